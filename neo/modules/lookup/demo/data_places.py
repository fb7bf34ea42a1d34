"""Places for the demo generator: départements, communes, streets (approximate).

Départements: the official codes, names and chefs-lieux (2A/2B for Corsica, 971–976
overseas, 975 being Saint-Pierre-et-Miquelon). Communes: real communes with their
département and their main postal code; the last column is a rough population in
thousands (INSEE legal populations of the 2020s, rounded, from memory), used only as a
weight. Paris, Marseille and Lyon carry the postal code of their first arrondissement and
the number of arrondissements, so that an address there gets a plausible code.
"""

from __future__ import annotations

# code|name|"de" form (for "Préfecture de …")|chef-lieu
DEPARTMENTS = """
01|Ain|de l'Ain|Bourg-en-Bresse
02|Aisne|de l'Aisne|Laon
03|Allier|de l'Allier|Moulins
04|Alpes-de-Haute-Provence|des Alpes-de-Haute-Provence|Digne-les-Bains
05|Hautes-Alpes|des Hautes-Alpes|Gap
06|Alpes-Maritimes|des Alpes-Maritimes|Nice
07|Ardèche|de l'Ardèche|Privas
08|Ardennes|des Ardennes|Charleville-Mézières
09|Ariège|de l'Ariège|Foix
10|Aube|de l'Aube|Troyes
11|Aude|de l'Aude|Carcassonne
12|Aveyron|de l'Aveyron|Rodez
13|Bouches-du-Rhône|des Bouches-du-Rhône|Marseille
14|Calvados|du Calvados|Caen
15|Cantal|du Cantal|Aurillac
16|Charente|de la Charente|Angoulême
17|Charente-Maritime|de la Charente-Maritime|La Rochelle
18|Cher|du Cher|Bourges
19|Corrèze|de la Corrèze|Tulle
2A|Corse-du-Sud|de la Corse-du-Sud|Ajaccio
2B|Haute-Corse|de la Haute-Corse|Bastia
21|Côte-d'Or|de la Côte-d'Or|Dijon
22|Côtes-d'Armor|des Côtes-d'Armor|Saint-Brieuc
23|Creuse|de la Creuse|Guéret
24|Dordogne|de la Dordogne|Périgueux
25|Doubs|du Doubs|Besançon
26|Drôme|de la Drôme|Valence
27|Eure|de l'Eure|Évreux
28|Eure-et-Loir|d'Eure-et-Loir|Chartres
29|Finistère|du Finistère|Quimper
30|Gard|du Gard|Nîmes
31|Haute-Garonne|de la Haute-Garonne|Toulouse
32|Gers|du Gers|Auch
33|Gironde|de la Gironde|Bordeaux
34|Hérault|de l'Hérault|Montpellier
35|Ille-et-Vilaine|d'Ille-et-Vilaine|Rennes
36|Indre|de l'Indre|Châteauroux
37|Indre-et-Loire|d'Indre-et-Loire|Tours
38|Isère|de l'Isère|Grenoble
39|Jura|du Jura|Lons-le-Saunier
40|Landes|des Landes|Mont-de-Marsan
41|Loir-et-Cher|de Loir-et-Cher|Blois
42|Loire|de la Loire|Saint-Étienne
43|Haute-Loire|de la Haute-Loire|Le Puy-en-Velay
44|Loire-Atlantique|de la Loire-Atlantique|Nantes
45|Loiret|du Loiret|Orléans
46|Lot|du Lot|Cahors
47|Lot-et-Garonne|de Lot-et-Garonne|Agen
48|Lozère|de la Lozère|Mende
49|Maine-et-Loire|de Maine-et-Loire|Angers
50|Manche|de la Manche|Saint-Lô
51|Marne|de la Marne|Châlons-en-Champagne
52|Haute-Marne|de la Haute-Marne|Chaumont
53|Mayenne|de la Mayenne|Laval
54|Meurthe-et-Moselle|de Meurthe-et-Moselle|Nancy
55|Meuse|de la Meuse|Bar-le-Duc
56|Morbihan|du Morbihan|Vannes
57|Moselle|de la Moselle|Metz
58|Nièvre|de la Nièvre|Nevers
59|Nord|du Nord|Lille
60|Oise|de l'Oise|Beauvais
61|Orne|de l'Orne|Alençon
62|Pas-de-Calais|du Pas-de-Calais|Arras
63|Puy-de-Dôme|du Puy-de-Dôme|Clermont-Ferrand
64|Pyrénées-Atlantiques|des Pyrénées-Atlantiques|Pau
65|Hautes-Pyrénées|des Hautes-Pyrénées|Tarbes
66|Pyrénées-Orientales|des Pyrénées-Orientales|Perpignan
67|Bas-Rhin|du Bas-Rhin|Strasbourg
68|Haut-Rhin|du Haut-Rhin|Colmar
69|Rhône|du Rhône|Lyon
70|Haute-Saône|de la Haute-Saône|Vesoul
71|Saône-et-Loire|de Saône-et-Loire|Mâcon
72|Sarthe|de la Sarthe|Le Mans
73|Savoie|de la Savoie|Chambéry
74|Haute-Savoie|de la Haute-Savoie|Annecy
75|Paris|de police de Paris|Paris
76|Seine-Maritime|de la Seine-Maritime|Rouen
77|Seine-et-Marne|de Seine-et-Marne|Melun
78|Yvelines|des Yvelines|Versailles
79|Deux-Sèvres|des Deux-Sèvres|Niort
80|Somme|de la Somme|Amiens
81|Tarn|du Tarn|Albi
82|Tarn-et-Garonne|de Tarn-et-Garonne|Montauban
83|Var|du Var|Toulon
84|Vaucluse|de Vaucluse|Avignon
85|Vendée|de la Vendée|La Roche-sur-Yon
86|Vienne|de la Vienne|Poitiers
87|Haute-Vienne|de la Haute-Vienne|Limoges
88|Vosges|des Vosges|Épinal
89|Yonne|de l'Yonne|Auxerre
90|Territoire de Belfort|du Territoire de Belfort|Belfort
91|Essonne|de l'Essonne|Évry-Courcouronnes
92|Hauts-de-Seine|des Hauts-de-Seine|Nanterre
93|Seine-Saint-Denis|de la Seine-Saint-Denis|Bobigny
94|Val-de-Marne|du Val-de-Marne|Créteil
95|Val-d'Oise|du Val-d'Oise|Cergy
971|Guadeloupe|de la Guadeloupe|Basse-Terre
972|Martinique|de la Martinique|Fort-de-France
973|Guyane|de la Guyane|Cayenne
974|La Réunion|de La Réunion|Saint-Denis
975|Saint-Pierre-et-Miquelon|de Saint-Pierre-et-Miquelon|Saint-Pierre
976|Mayotte|de Mayotte|Mamoudzou
"""

# name|département|postal code|population in thousands (rough)[|arrondissements]
COMMUNES = """
Nice|06|06000|342
Menton|06|06500|30
Beausoleil|06|06240|14
Cap-d'Ail|06|06320|5
La Turbie|06|06320|3
Èze|06|06360|2
Roquebrune-Cap-Martin|06|06190|13
Cannes|06|06400|74
Antibes|06|06600|73
Grasse|06|06130|50
Cagnes-sur-Mer|06|06800|52
Le Cannet|06|06110|42
Saint-Laurent-du-Var|06|06700|30
Vallauris|06|06220|26
Mandelieu-la-Napoule|06|06210|22
Villefranche-sur-Mer|06|06230|5
Beaulieu-sur-Mer|06|06310|4
Sospel|06|06380|4
Castillon|06|06500|1
Gorbio|06|06500|1
Sainte-Agnès|06|06500|1
Castellar|06|06500|1
Breil-sur-Roya|06|06540|2
Tende|06|06430|2
Vence|06|06140|19
Carros|06|06510|11
Saint-Jean-Cap-Ferrat|06|06230|2
Peille|06|06440|2
Contes|06|06390|8
La Trinité|06|06340|10
Saint-Martin-Vésubie|06|06450|1
Valbonne|06|06560|13
Mougins|06|06250|19
Toulon|83|83000|180
Fréjus|83|83600|57
Hyères|83|83400|55
La Seyne-sur-Mer|83|83500|63
Draguignan|83|83300|40
Saint-Raphaël|83|83700|35
Saint-Tropez|83|83990|4
Brignoles|83|83170|17
Marseille|13|13001|870|16
Aix-en-Provence|13|13090|145
Arles|13|13200|51
Martigues|13|13500|49
Aubagne|13|13400|47
Salon-de-Provence|13|13300|45
Istres|13|13800|44
Vitrolles|13|13127|34
La Ciotat|13|13600|36
Digne-les-Bains|04|04000|16
Manosque|04|04100|22
Gap|05|05000|41
Briançon|05|05100|11
Avignon|84|84000|91
Carpentras|84|84200|29
Orange|84|84100|29
Cavaillon|84|84300|26
Ajaccio|2A|20000|73
Porto-Vecchio|2A|20137|12
Sartène|2A|20100|4
Propriano|2A|20110|4
Bastia|2B|20200|48
Corte|2B|20250|8
Calvi|2B|20260|6
L'Île-Rousse|2B|20220|3
Borgo|2B|20290|9
Biguglia|2B|20620|8
Paris|75|75001|2100|20
Boulogne-Billancourt|92|92100|120
Nanterre|92|92000|96
Courbevoie|92|92400|82
Colombes|92|92700|86
Asnières-sur-Seine|92|92600|87
Rueil-Malmaison|92|92500|79
Saint-Denis|93|93200|113
Montreuil|93|93100|111
Aubervilliers|93|93300|88
Aulnay-sous-Bois|93|93600|86
Bobigny|93|93000|54
Créteil|94|94000|92
Vitry-sur-Seine|94|94400|95
Champigny-sur-Marne|94|94500|77
Ivry-sur-Seine|94|94200|64
Argenteuil|95|95100|110
Cergy|95|95000|66
Sarcelles|95|95200|57
Versailles|78|78000|84
Mantes-la-Jolie|78|78200|44
Poissy|78|78300|38
Évry-Courcouronnes|91|91000|67
Massy|91|91300|51
Corbeil-Essonnes|91|91100|51
Meaux|77|77100|56
Melun|77|77000|41
Chelles|77|77500|55
Lille|59|59000|236
Roubaix|59|59100|98
Tourcoing|59|59200|99
Dunkerque|59|59140|87
Villeneuve-d'Ascq|59|59650|62
Valenciennes|59|59300|43
Douai|59|59500|39
Cambrai|59|59400|32
Maubeuge|59|59600|29
Calais|62|62100|67
Boulogne-sur-Mer|62|62200|40
Arras|62|62000|41
Lens|62|62300|32
Liévin|62|62800|30
Béthune|62|62400|25
Amiens|80|80000|134
Abbeville|80|80100|23
Saint-Quentin|02|02100|53
Soissons|02|02200|28
Laon|02|02000|24
Beauvais|60|60000|56
Compiègne|60|60200|40
Creil|60|60100|36
Rouen|76|76000|114
Le Havre|76|76600|166
Dieppe|76|76200|28
Caen|14|14000|106
Lisieux|14|14100|20
Cherbourg-en-Cotentin|50|50100|78
Saint-Lô|50|50000|19
Évreux|27|27000|47
Alençon|61|61000|26
Rennes|35|35000|222
Saint-Malo|35|35400|47
Brest|29|29200|140
Quimper|29|29000|63
Morlaix|29|29600|15
Lorient|56|56100|57
Vannes|56|56000|54
Saint-Brieuc|22|22000|44
Lannion|22|22300|20
Guingamp|22|22200|7
Nantes|44|44000|320
Saint-Nazaire|44|44600|72
Angers|49|49000|157
Cholet|49|49300|54
Le Mans|72|72000|145
Laval|53|53000|49
La Roche-sur-Yon|85|85000|55
Les Sables-d'Olonne|85|85100|48
Tours|37|37000|137
Orléans|45|45000|117
Bourges|18|18000|64
Blois|41|41000|46
Chartres|28|28000|39
Châteauroux|36|36000|43
Strasbourg|67|67000|291
Haguenau|67|67500|35
Mulhouse|68|68100|108
Colmar|68|68000|67
Metz|57|57000|120
Thionville|57|57100|41
Forbach|57|57600|21
Nancy|54|54000|104
Épinal|88|88000|31
Reims|51|51100|180
Châlons-en-Champagne|51|51000|44
Troyes|10|10000|61
Charleville-Mézières|08|08000|46
Chaumont|52|52000|22
Bar-le-Duc|55|55000|15
Verdun|55|55100|17
Dijon|21|21000|159
Beaune|21|21200|20
Besançon|25|25000|120
Montbéliard|25|25200|25
Belfort|90|90000|46
Chalon-sur-Saône|71|71100|44
Mâcon|71|71000|34
Nevers|58|58000|32
Auxerre|89|89000|34
Vesoul|70|70000|15
Lons-le-Saunier|39|39000|17
Lyon|69|69001|522|9
Villeurbanne|69|69100|150
Vénissieux|69|69200|66
Saint-Étienne|42|42000|173
Roanne|42|42300|34
Grenoble|38|38000|158
Vienne|38|38200|30
Annecy|74|74000|131
Thonon-les-Bains|74|74200|36
Annemasse|74|74100|37
Chambéry|73|73000|59
Albertville|73|73200|19
Valence|26|26000|64
Montélimar|26|26200|40
Clermont-Ferrand|63|63000|147
Vichy|03|03200|25
Montluçon|03|03100|34
Moulins|03|03000|19
Aurillac|15|15000|25
Le Puy-en-Velay|43|43000|19
Bourg-en-Bresse|01|01000|41
Privas|07|07000|8
Annonay|07|07100|16
Toulouse|31|31000|504
Montpellier|34|34000|300
Béziers|34|34500|80
Sète|34|34200|44
Nîmes|30|30000|149
Alès|30|30100|42
Perpignan|66|66000|120
Narbonne|11|11100|56
Carcassonne|11|11000|46
Albi|81|81000|49
Castres|81|81100|42
Montauban|82|82000|62
Tarbes|65|65000|42
Lourdes|65|65100|13
Rodez|12|12000|25
Millau|12|12100|22
Cahors|46|46000|20
Auch|32|32000|22
Foix|09|09000|10
Pamiers|09|09100|15
Mende|48|48000|12
Bordeaux|33|33000|260
Mérignac|33|33700|72
Pessac|33|33600|66
Arcachon|33|33120|11
Limoges|87|87000|130
Poitiers|86|86000|89
La Rochelle|17|17000|79
Rochefort|17|17300|24
Angoulême|16|16000|41
Cognac|16|16100|18
Niort|79|79000|59
Pau|64|64000|76
Bayonne|64|64100|52
Biarritz|64|64200|25
Anglet|64|64600|40
Périgueux|24|24000|30
Bergerac|24|24100|26
Agen|47|47000|32
Mont-de-Marsan|40|40000|30
Dax|40|40100|21
Brive-la-Gaillarde|19|19100|46
Tulle|19|19000|14
Guéret|23|23000|13
Les Abymes|971|97139|53
Baie-Mahault|971|97122|31
Pointe-à-Pitre|971|97110|15
Basse-Terre|971|97100|10
Le Gosier|971|97190|27
Fort-de-France|972|97200|76
Le Lamentin|972|97232|39
Le Robert|972|97231|22
Schœlcher|972|97233|20
Cayenne|973|97300|63
Saint-Laurent-du-Maroni|973|97320|50
Kourou|973|97310|25
Matoury|973|97351|33
Saint-Denis|974|97400|153
Saint-Paul|974|97460|105
Saint-Pierre|974|97410|85
Le Tampon|974|97430|80
Saint-Louis|974|97450|54
Saint-André|974|97440|57
Saint-Pierre|975|97500|6
Miquelon-Langlade|975|97500|1
Mamoudzou|976|97600|71
Koungou|976|97690|32
Dzaoudzi|976|97615|17
"""

# The brigades near which the demo is played: a share of residents is drawn from these
# communes (in Alpes-Maritimes), the rest from the whole list by population.
LOCAL_COMMUNES = (
    "Menton", "Beausoleil", "Cap-d'Ail", "La Turbie", "Èze", "Roquebrune-Cap-Martin", "Nice", "Castillon",
    "Gorbio", "Sainte-Agnès", "Castellar", "Sospel", "Villefranche-sur-Mer", "Beaulieu-sur-Mer",
)

STREET_KINDS = (
    ("rue", 40), ("avenue", 18), ("boulevard", 7), ("chemin", 10), ("impasse", 6), ("allée", 5),
    ("place", 3), ("route", 6), ("quai", 1), ("cours", 1), ("résidence", 3),
)
STREET_NAMES = (
    "de la République", "Jean Jaurès", "Victor Hugo", "du Général de Gaulle", "de la Gare", "de l'Église",
    "des Écoles", "Pasteur", "Jules Ferry", "de la Mairie", "du Moulin", "des Lilas", "Gambetta", "Carnot",
    "de la Paix", "Voltaire", "Émile Zola", "de Verdun", "du 8 Mai 1945", "du 11 Novembre", "Anatole France",
    "Paul Doumer", "des Tilleuls", "du Château", "de la Fontaine", "Saint-Michel", "du Stade", "des Acacias",
    "Clemenceau", "de Provence", "des Oliviers", "des Pins", "du Port", "Aristide Briand", "Jean Moulin",
    "de la Liberté", "Louis Pasteur", "des Mimosas", "du Soleil", "de Garavan", "de la Plage", "du Marché",
    "des Roses", "Saint-Exupéry", "Marcel Pagnol", "Charles Péguy", "des Écureuils", "de la Croix",
    "du Lavoir", "Frédéric Mistral",
)

# INSEE pseudo-département for people born abroad.
ABROAD = "99"
