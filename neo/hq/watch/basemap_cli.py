"""``neo-hq basemap build`` and ``neo-hq basemap demo``: basemap packages for the tablets."""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path
from typing import Any

from neo.hq.errors import AdminError
from neo.i18n import tr


def _report(report: Any, as_json: bool) -> None:
    data = {
        "path": str(report.path), "tiles": report.tiles, "unique_images": report.unique_images,
        "seconds": round(report.seconds, 1), "road_nodes": report.nodes, "road_edges": report.edges,
        "addresses": report.addresses, "bounds": list(report.bounds), "zooms": list(report.zooms),
        "size": report.path.stat().st_size,
    }
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False), flush=True)
        return
    print(tr("Fond de carte écrit : {path} ({size} Mo).", path=report.path,
             size=f"{data['size'] / 1e6:.1f}"), flush=True)
    print(tr("{tiles} tuiles (zooms {zmin} à {zmax}, {unique} images distinctes) en {seconds} s ; "
             "graphe routier : {nodes} nœuds, {edges} arcs ; {addresses} adresses.",
             tiles=report.tiles, zmin=report.zooms[0], zmax=report.zooms[1], unique=report.unique_images,
             seconds=data["seconds"], nodes=report.nodes, edges=report.edges, addresses=report.addresses),
          flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    from neo.hq.cli import ProgressBar
    from neo.hq.watch import basemap

    try:
        bbox = basemap.parse_bbox(args.bbox) if args.bbox else None
        zooms = basemap.parse_zooms(args.zoom)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    if args.workers is not None and args.workers < 1:
        raise AdminError(tr("--workers doit être au moins 1."))
    pbf = Path(args.pbf)
    if not pbf.is_file():
        raise AdminError(tr("Extrait OpenStreetMap introuvable : {path}", path=pbf))
    bar = ProgressBar()
    try:
        report = basemap.build(pbf, Path(args.out), bbox=bbox, zooms=zooms, workers=args.workers,
                               progress=bar, name=args.name)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    finally:
        bar.close()
    _report(report, args.json)
    return 0


def _hq_data_dir(args: argparse.Namespace) -> Path:
    from neo.hq.config import default_data_dir

    return Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()


def install(package: Path, data_dir: Path) -> Path:
    """Make ``package`` the basemap HQ serves from ``data_dir`` (``basemap.mbtiles``),
    replaced in one step (a download in progress keeps reading the old file); nothing
    is copied when it is already there."""
    from neo.hq.watch import demo_osm
    from neo.hq.watch.distribution import BASEMAP_FILE

    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / BASEMAP_FILE
    if target.is_file() and target.stat().st_size == package.stat().st_size \
            and demo_osm.sha256_file(target) == demo_osm.sha256_file(package):
        return target
    tmp = data_dir / f".{BASEMAP_FILE}.tmp"
    shutil.copyfile(package, tmp)
    os.replace(tmp, target)
    return target


def cmd_demo(args: argparse.Namespace) -> int:
    from neo.hq.cli import ProgressBar
    from neo.hq.watch import basemap, demo_osm

    bar = ProgressBar()
    try:
        path = demo_osm.ensure_demo_basemap(Path(args.cache) if args.cache else None,
                                            out_dir=Path(args.out_dir) if args.out_dir else None,
                                            workers=args.workers,
                                            progress=bar)
    finally:
        bar.close()
    if args.install:
        installed = install(path, _hq_data_dir(args))
        if not args.json:
            print(tr("Fond de carte distribué par le QG : {path}", path=installed), flush=True)
    meta = basemap.read_metadata(path)
    if args.json:
        print(json.dumps({"path": str(path), "size": path.stat().st_size, **meta}, indent=2, ensure_ascii=False))
    else:
        print(tr("Fond de carte de la démo : {path} ({size} Mo).", path=path,
                 size=f"{path.stat().st_size / 1e6:.1f}"), flush=True)
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser, as_json: argparse.ArgumentParser) -> None:
    basemap = sub.add_parser("basemap", help=tr("fonds de carte hors ligne (OpenStreetMap) pour les tablettes")
                             ).add_subparsers(dest="action", metavar="ACTION", required=True)
    p = basemap.add_parser("build", parents=[as_json],
                           help=tr("construire un fond de carte (tuiles et graphe routier) depuis un extrait .osm.pbf"))
    p.add_argument("--pbf", required=True, metavar="FICHIER", help=tr("extrait OpenStreetMap (.osm.pbf)"))
    p.add_argument("--bbox", metavar="MINLON,MINLAT,MAXLON,MAXLAT",
                   help=tr("emprise (défaut : celle de l'extrait)"))
    p.add_argument("--zoom", default="12-18", metavar="MIN-MAX", help=tr("niveaux de zoom (défaut : 12-18)"))
    p.add_argument("--out", required=True, metavar="FICHIER.mbtiles", help=tr("paquet à écrire"))
    p.add_argument("--workers", type=int, metavar="N", help=tr("processus de rendu (défaut : un par cœur)"))
    p.add_argument("--name", help=tr("nom du fond de carte (défaut : celui du fichier)"))
    p.set_defaults(func=cmd_build)
    p = basemap.add_parser("demo", parents=[common, as_json],
                           help=tr("télécharger l'extrait de la démo et construire son fond de carte (une fois)"))
    p.add_argument("--install", action="store_true",
                   help=tr("le placer aussi dans le dossier du QG, qui le distribue aux tablettes"))
    p.add_argument("--cache", metavar="DOSSIER", help=tr("cache de l'extrait (défaut : .cache/osm du dépôt)"))
    p.add_argument("--out-dir", metavar="DOSSIER", help=tr("dossier du fond de carte (défaut : .cache/neo du dépôt)"))
    p.add_argument("--workers", type=int, metavar="N", help=tr("processus de rendu (défaut : un par cœur)"))
    p.set_defaults(func=cmd_demo)
