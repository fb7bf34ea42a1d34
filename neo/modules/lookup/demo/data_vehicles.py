"""Vehicles for the demo generator: makes, models, WMIs, colours, insurers (approximate).

Weights are rough shares of the French fleet in circulation (registrations statistics of the
2010s–2020s, from memory), per model and only while the model was sold. WMIs (the first
three characters of a VIN) are the real ones of the makes' main plants for cars sold in
France.
"""

from __future__ import annotations

# make|WMI|model|category|first year|last year|weight|energy
# category: VP (car), CTTE (light van), MTL (motorcycle). energy: "*" = petrol/diesel/hybrid by
# year, or a fixed "électrique" / "essence".
MODELS = """
Renault|VF1|Clio|VP|1990|2026|95|*
Renault|VF1|Mégane|VP|1995|2024|45|*
Renault|VF1|Captur|VP|2013|2026|40|*
Renault|VF1|Twingo|VP|1993|2024|35|*
Renault|VF1|Scénic|VP|1996|2022|25|*
Renault|VF1|Kangoo|CTTE|1998|2026|30|*
Renault|VF1|Master|CTTE|1998|2026|12|*
Renault|VF1|Zoe|VP|2013|2024|10|électrique
Renault|VF1|Laguna|VP|1994|2015|10|*
Peugeot|VF3|208|VP|2012|2026|70|*
Peugeot|VF3|206|VP|1998|2012|45|*
Peugeot|VF3|207|VP|2006|2014|35|*
Peugeot|VF3|308|VP|2007|2026|45|*
Peugeot|VF3|2008|VP|2013|2026|35|*
Peugeot|VF3|3008|VP|2009|2026|35|*
Peugeot|VF3|5008|VP|2009|2026|12|*
Peugeot|VF3|Partner|CTTE|1996|2026|22|*
Peugeot|VF3|Expert|CTTE|1996|2026|8|*
Citroën|VF7|C3|VP|2002|2026|55|*
Citroën|VF7|C4|VP|2004|2026|25|*
Citroën|VF7|Berlingo|CTTE|1996|2026|28|*
Citroën|VF7|C3 Aircross|VP|2017|2026|12|*
Citroën|VF7|C5 Aircross|VP|2019|2026|10|*
Citroën|VF7|Xsara Picasso|VP|1999|2010|15|*
Citroën|VF7|Jumper|CTTE|1994|2026|8|*
DS|VR1|DS 3|VP|2010|2024|6|*
DS|VR1|DS 7|VP|2018|2026|4|*
Dacia|UU1|Sandero|VP|2008|2026|45|*
Dacia|UU1|Duster|VP|2010|2026|30|*
Dacia|UU1|Logan|VP|2005|2022|12|*
Dacia|UU1|Spring|VP|2021|2026|6|électrique
Dacia|UU1|Jogger|VP|2022|2026|6|*
Volkswagen|WVW|Golf|VP|1990|2026|30|*
Volkswagen|WVW|Polo|VP|1990|2026|25|*
Volkswagen|WVG|T-Roc|VP|2017|2026|12|*
Volkswagen|WVG|Tiguan|VP|2007|2026|10|*
Volkswagen|WV1|Transporter|CTTE|1990|2026|8|*
Toyota|VNK|Yaris|VP|1999|2026|35|*
Toyota|SB1|Corolla|VP|2019|2026|8|hybride
Toyota|NMT|C-HR|VP|2016|2026|8|hybride
Toyota|JTD|Aygo|VP|2005|2022|8|essence
Ford|WF0|Fiesta|VP|1990|2023|25|*
Ford|WF0|Focus|VP|1998|2025|15|*
Ford|WF0|Kuga|VP|2008|2026|8|*
Ford|WF0|Transit|CTTE|1990|2026|8|*
Opel|W0L|Corsa|VP|1990|2019|20|*
Opel|W0V|Corsa|VP|2020|2026|8|*
Opel|W0L|Astra|VP|1991|2021|12|*
Fiat|ZFA|500|VP|2007|2026|18|*
Fiat|ZFA|Panda|VP|1990|2026|12|*
Fiat|ZFA|Ducato|CTTE|1994|2026|10|*
BMW|WBA|Série 1|VP|2004|2026|10|*
BMW|WBA|Série 3|VP|1990|2026|10|*
BMW|WBA|X1|VP|2009|2026|6|*
Mercedes-Benz|WDD|Classe A|VP|1998|2019|10|*
Mercedes-Benz|W1K|Classe A|VP|2020|2026|5|*
Mercedes-Benz|WDD|Classe C|VP|1993|2019|8|*
Mercedes-Benz|WDB|Sprinter|CTTE|1995|2026|6|*
Audi|WAU|A3|VP|1996|2026|10|*
Audi|WAU|A4|VP|1995|2026|6|*
Audi|WAU|Q3|VP|2011|2026|5|*
Nissan|SJN|Qashqai|VP|2007|2026|15|*
Nissan|VSK|Micra|VP|1993|2023|10|*
Nissan|SJN|Juke|VP|2010|2026|6|*
Škoda|TMB|Octavia|VP|1997|2026|8|*
Škoda|TMB|Fabia|VP|2000|2026|6|*
Kia|U5Y|Sportage|VP|2010|2026|8|*
Kia|KNA|Picanto|VP|2004|2026|6|*
Hyundai|TMA|Tucson|VP|2015|2026|7|*
Hyundai|NLH|i20|VP|2009|2026|6|*
Tesla|5YJ|Model 3|VP|2019|2022|4|électrique
Tesla|LRW|Model 3|VP|2021|2026|3|électrique
Tesla|XP7|Model Y|VP|2022|2026|6|électrique
Seat|VSS|Ibiza|VP|1993|2026|10|*
Seat|VSS|Leon|VP|1999|2026|6|*
Mini|WMW|Cooper|VP|2001|2026|6|*
Volvo|YV1|XC60|VP|2008|2026|4|*
Suzuki|TSM|Swift|VP|2005|2026|6|*
MG|LSJ|MG4|VP|2022|2026|4|électrique
Yamaha|JYA|T-Max|MTL|2001|2026|8|essence
Yamaha|JYA|MT-07|MTL|2014|2026|6|essence
Honda|JH2|PCX 125|MTL|2010|2026|6|essence
Honda|JH2|CB500|MTL|1994|2026|4|essence
Kawasaki|JKA|Z900|MTL|2017|2026|3|essence
Piaggio|ZAP|MP3|MTL|2006|2026|4|essence
BMW|WB1|R 1250 GS|MTL|2019|2026|3|essence
"""

# Colours as written on the registration certificate (lower case), with rough shares.
COLOURS = (
    ("gris", 270), ("blanc", 240), ("noir", 180), ("bleu", 120), ("rouge", 80), ("vert", 25),
    ("beige", 20), ("marron", 20), ("jaune", 10), ("orange", 10), ("violet", 5),
)

INSURERS = (
    ("AXA", 14), ("MAIF", 12), ("MACIF", 13), ("MAAF", 10), ("Groupama", 9), ("Allianz", 8),
    ("Matmut", 8), ("GMF", 7), ("Pacifica (Crédit Agricole)", 8), ("Direct Assurance", 4), ("Generali", 4),
    ("MMA", 6), ("L'Olivier Assurance", 2), ("Leocare", 1),
)

# Share of diesel (per mille) among petrol/diesel/hybrid cars by year of first registration.
DIESEL_BY_YEAR = (
    (1990, 300), (1995, 420), (2000, 550), (2005, 680), (2008, 720), (2012, 700), (2015, 600),
    (2017, 480), (2019, 340), (2021, 200), (2023, 100), (2025, 60),
)
HYBRID_BY_YEAR = ((2012, 10), (2015, 30), (2018, 60), (2020, 150), (2022, 250), (2024, 350))

# Type Allocation Codes (first 8 digits of an IMEI) and makes of stolen phones.
PHONES = (
    ("Apple", "iPhone 13", "35328011"), ("Apple", "iPhone 14", "35391520"), ("Apple", "iPhone 15", "35699874"),
    ("Apple", "iPhone 12", "35303611"), ("Samsung", "Galaxy S23", "35086742"), ("Samsung", "Galaxy A54", "35259321"),
    ("Samsung", "Galaxy S22", "35024878"), ("Samsung", "Galaxy A14", "35117563"), ("Xiaomi", "Redmi Note 12", "86283906"),
    ("Xiaomi", "13T", "86947205"), ("Google", "Pixel 8", "35847291"), ("Google", "Pixel 7", "35162905"),
    ("Oppo", "A78", "86472603"), ("Huawei", "P30", "86710204"), ("Honor", "Magic5 Lite", "86523104"),
    ("Apple", "iPhone SE", "35267830"), ("Samsung", "Galaxy Z Flip5", "35413077"), ("Fairphone", "5", "35932614"),
    ("Motorola", "moto g54", "35190818"), ("Samsung", "Galaxy A34", "35876101"),
)
BIKES = (
    ("Decathlon", "Rockrider ST 540"), ("Decathlon", "Elops 120"), ("Moustache", "Samedi 28"),
    ("Peugeot", "eC01"), ("Gitane", "Organ'e-Bike"), ("Giant", "Talon"), ("Trek", "FX 3"), ("Cannondale", "Quick"),
    ("Specialized", "Rockhopper"), ("VanMoof", "S3"), ("Lapierre", "Edge"), ("Btwin", "Riverside 500"),
)
LAPTOPS = (
    ("Apple", "MacBook Air"), ("Apple", "MacBook Pro"), ("HP", "Pavilion 15"), ("Dell", "Latitude 5420"),
    ("Lenovo", "ThinkPad T14"), ("Asus", "VivoBook 15"), ("Acer", "Aspire 5"), ("Microsoft", "Surface Laptop"),
)
TABLETS = (("Apple", "iPad"), ("Samsung", "Galaxy Tab S8"), ("Lenovo", "Tab P11"))
