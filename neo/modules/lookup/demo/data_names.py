"""Name tables for the demo generator (approximate; see the module README in ``__init__``).

Sources, from memory and deliberately approximate:

* Surnames: the rank order of the INSEE "noms de famille" file (people born in France
  1891–1990). The top ten carry rough counts; ranks 11–320 follow a power-law fit by rank
  (count ≈ 83,000 × (10 / rank)^0.62), so the shape (a steep head and a long tail) is right
  while each number is only indicative. INSEE writes names in capitals without accents;
  the usual spelling with accents is restored here (Lefèvre, Guérin, Noël…).
* First names: the INSEE "fichier des prénoms" (births by year since 1900), summarised
  per name as a popularity bump: ``peak year, height at the peak (per mille of births of
  that sex), half-width in years`` and an optional floor for classics that never vanish.
  A name with two waves (Louis, Jeanne, Paul…) is listed twice.
* Other origins (Maghreb, Iberia, Italy, West Africa, Turkey, East Asia, Eastern Europe,
  Britain): short lists of frequent names in those countries, in rough order, for the
  share of the population with such names; their weights are a simple 1/(rank + 2) law.

Everything here is integer data, so that the generator is exact and deterministic on any
platform.
"""

from __future__ import annotations

# name:weight (weight in hundreds of bearers, approximate); "_" stands for a space.
SURNAMES = """
Martin:2350 Bernard:1050 Thomas:1000 Petit:970 Robert:960 Richard:950 Durand:880 Dubois:870
Moreau:840 Laurent:830 Simon:782 Michel:741 Lefebvre:705 Leroy:674 Roux:646 David:620 Bertrand:597
Morel:577 Fournier:558 Girard:540 Bonnet:524 Dupont:509 Lambert:495 Fontaine:482 Rousseau:470
Vincent:459 Muller:448 Lefèvre:438 Faure:429 André:420 Mercier:412 Blanc:404 Guérin:396 Boyer:389
Garnier:382 Chevalier:375 François:369 Legrand:363 Gauthier:357 Garcia:351 Perrin:346 Robin:341
Clément:336 Morin:331 Nicolas:327 Henry:322 Roussel:318 Mathieu:314 Gautier:310 Masson:306
Marchand:302 Duval:299 Denis:295 Dumont:292 Marie:288 Lemaire:285 Noël:282 Meyer:279 Dufour:276
Meunier:273 Brun:271 Blanchard:268 Giraud:265 Joly:263 Rivière:260 Lucas:258 Brunet:255 Gaillard:253
Barbier:251 Arnaud:248 Martinez:246 Gérard:244 Roche:242 Renard:240 Schmitt:238 Roy:236 Leroux:234
Colin:232 Vidal:230 Caron:229 Picard:227 Roger:225 Fabre:223 Aubert:222 Lemoine:220 Renaud:219
Dumas:217 Lacroix:216 Olivier:214 Philippe:213 Bourgeois:211 Pierre:210 Benoît:208 Rey:207
Leclerc:206 Payet:204 Rolland:203 Leclercq:202 Guillaume:200 Lecomte:199 Lopez:198 Jean:197
Dupuy:195 Guillot:194 Hubert:193 Berger:192 Carpentier:191 Sanchez:190 Dupuis:189 Moulin:188
Louis:187 Deschamps:186 Huet:185 Vasseur:184 Perez:183 Boucher:182 Fleury:181 Royer:180 Klein:179
Jacquet:178 Adam:177 Paris:176 Poirier:175 Marty:174 Aubry:173 Guyot:173 Carré:172 Charles:171
Renault:170 Charpentier:169 Ménard:168 Maillard:168 Baron:167 Bertin:166 Bailly:165 Hervé:165
Schneider:164 Fernandez:163 Le_Gall:162 Collet:162 Léger:161 Bouvier:160 Julien:160 Prévost:159
Millet:158 Perrot:157 Daniel:157 Le_Roux:156 Cousin:155 Germain:155 Breton:154 Besson:154
Langlois:153 Rémy:152 Le_Goff:152 Pelletier:151 Lévêque:151 Perrier:150 Leblanc:149 Barré:149
Lebrun:148 Marchal:148 Weber:147 Mallet:147 Hamon:146 Boulanger:145 Jacob:145 Monnier:144
Michaud:144 Rodriguez:143 Guichard:143 Gillet:142 Étienne:142 Grondin:141 Poulain:141 Tessier:140
Chevallier:140 Collin:139 Chauvin:139 Da_Silva:138 Bouchet:138 Gay:137 Lemaître:137 Bénard:136
Maréchal:136 Humbert:136 Reynaud:135 Antoine:135 Hoarau:134 Perret:134 Barthélemy:133 Cordier:133
Pichon:132 Lejeune:132 Gilbert:132 Lamy:131 Delaunay:131 Pasquier:130 Carlier:130 Laporte:130
Gonzalez:129 Leduc:129 Texier:128 Blanchet:128 Guillou:128 Bousquet:127 Pons:127 Lebreton:126
Gomez:126 Blondel:126 Labbé:125 Tanguy:125 Devaux:125 Hardy:124 Lacombe:124 Chauvet:124 Brunel:123
Leblond:123 Delmas:122 Navarro:122 Ferrand:122 Rocher:121 Sauvage:121 Bazin:121 Lainé:120 Colas:120
Ollivier:120 Paul:119 Allard:119 Bigot:119 Camus:118 Foucher:118 Lesage:118 Pineau:118 Chartier:117
Raynaud:117 Dos_Santos:117 Guillon:116 Coulon:116 Legros:116 Roques:115 Moreno:115 Drouet:115
Buisson:115 Jourdan:114 Verdier:114 Marion:114 Tournier:113 Pruvost:113 Hamel:113 Gaudin:113
Lefort:112 Aubin:112 Briand:112 Grenier:111 Hébert:111 Besnard:111 Riou:111 Guillet:110 Charrier:110
Mounier:110 Morvan:110 Masse:109 Delattre:109 Vallée:109 Poulet:109 Mathis:108 Lemonnier:108
Rossi:108 Ferreira:108 Dupré:107 Baudry:107 Maillot:107 Bouvet:107 Gros:106 Georges:106 Weiss:106
Boutin:106 Vaillant:105 Guillemin:105 Rodrigues:105 Pereira:105 Fernandes:104 Gomes:104 Nguyen:104
Cohen:104 Lévy:104 Bourdon:103 Loiseau:103 Lecoq:103 Caillaud:103 Jacques:102 Thibault:102 Vial:102
Parent:102 Barbe:102 Pascal:101 Faivre:101 Joubert:101 Descamps:101 Duhamel:101 Guilbert:100
Delorme:100 Marin:100 Lacoste:100 Jourdain:100 Boulay:99 Lefeuvre:99 Cros:99 Ricard:99 Grégoire:99
Didier:98 Legendre:98 Le_Guen:98 Le_Bihan:98 Le_Floch:98 Le_Corre:97 Hoareau:97 Maurice:97 Benard:97
"""

# Nobiliary and topographic particles, with the names they introduce.
PARTICLE_DE = (
    "Villeneuve Montfort Beaumont Castelnau Rochefort Vaucelles Lestrade Montalembert Boisset Chabannes "
    "Bouillé Clermont Courcy Gaulle Lattre Maistre Mérode Noailles Pontbriand Rohan Romanet Sainte-Marie "
    "Vauban Villiers Balzac Brissac Chastenet Foucauld Gramont Kergorlay Lamartine Lorgeril Montesquiou"
).split()
PARTICLE_D = "Aubigny Arcy Estienne Harcourt Ornano Alembert Argenson Albret Aumale Avesnes Ussel Anselme".split()
PARTICLE_DU = "Bois Pont Mesnil Plessis Chastel Puy Bellay Guesclin Vivier Breuil Roure Moulin Fresne Val".split()
PARTICLE_DE_LA = (
    "Roche Tour Fontaine Motte Salle Croix Rivière Haye Porte Vallée Grange Bastide Bruyère Chapelle Garde "
    "Lande Brosse Mare Ville Forest"
).split()
PARTICLE_DES = "Essarts Roches Cars Monstiers Isnards Rotours".split()

# Roots and endings of the synthetic long tail of surnames (rare names, one or a few
# bearers each): root + ending, sometimes with an article. Roots start with a consonant.
TAIL_ROOTS = (
    "Barb Bard Barr Bass Baud Beauch Bell Bern Berth Bill Blanch Boiss Bonn Bord Bouch Boud Boul Bourd "
    "Bourg Bouss Brach Bress Brun Buiss Caill Camb Carr Cass Chab Chall Champ Chapp Charb Chard Charr "
    "Chass Chauv Chen Chev Clav Coch Coll Coss Coud Court Cout Crép Dag Delm Dess Dur Fabr Fauch Ferr "
    "Foss Fouch Four Gall Garn Gaud Gill Gir Goub Gouj Grall Grang Griff Guich Guill Jacqu Jaun Joub "
    "Jourd Lach Lagr Lamb Langl Laub Lav Lecl Lesc Lorr Mall March Marqu Mass Mauv Mén Mich Mill Moll "
    "Mont Mor Moul Nav Pag Parr Pasc Pell Perr Pich Pill Plan Poir Pouj Prév Rab Rag Ramb Rav Rich Rig "
    "Riv Roch Roll Ross Roug Rouss Sabl Sauv Sav Serr Soul Tach Tard Teyss Thib Toul Tourn Trib Vach "
    "Vaill Varr Vass Vaud Verd Vern Vial Vill Vinc Bréch Gasp Lomb Mart Noy Quer Tess"
).split()
TAIL_ENDINGS = (
    "ier et ot ard aud on eau in ain and ant el elle ette at as ac ès ey y ou oux ault ois ais ichon "
    "illon onnet elin erin inet oin iot ez ec eaux ieux eux ière ery inot icot ange iac an ollet aire"
).split()
# Forms a tail name takes, most frequent first: plain, "Le X", "Dux", "Dex", "Lax", "Lex", "Desx", "Kerx",
# "Montx", "Beaux", "Saint-X".
TAIL_FORMS = ("", "Le ", "Du", "De", "La", "Le", "Des", "Ker", "Mont", "Beau", "Saint-")

# Maghrebi surnames beyond the list: a prefix and a root (Benali, Bouziane, Aït Kaci, Hamidi…);
# "-i" stands for the root followed by -i.
MAGHREB_PREFIXES = ("Ben", "Bou", "Ben ", "El ", "Aït ", "Ould ", "Hadj ", "", "-i")
MAGHREB_ROOTS = (
    "Ali Ahmed Moussa Youcef Salah Amar Kaci Saïd Yahia Abdallah Brahim Hamid Slimane Mansour Larbi Tahar "
    "Messaoud Aïssa Kaddour Rabah Djilali Mokhtar Chérif Nacer Lakhdar Omar Miloud Zitouni Hamou Abbas Driss "
    "Allal Jelloul Ameur Medjahed Bachir Taleb Azzouz Hocine Khaled Ziane Amrane Meziane Toumi Guendouz"
).split()

# Origin groups other than the French-named majority: (surnames, male first names, female first
# names, birth countries with cities, nationalities). Shares are per 10,000 persons.
ORIGINS = {
    "maghreb": (
        850,
        "Benali Haddad Mansouri Belkacem Brahimi Bouzid Cherif Amrani Benaïssa Hamidi Bensaïd Zerrouki "
        "Boukhari Meziane Slimani Benabdallah Aït_Ahmed Chaouch Belhadj Bouaziz Ouali Khelifi Benyahia Touati "
        "Saïdi Rahmani Djebbar Lahlou El_Idrissi Benmoussa Bennani Tazi El_Amrani Ben_Salah Trabelsi Ben_Ammar "
        "Hammami Gharbi Mejri Abidi",
        "Mohamed Ahmed Karim Mehdi Rachid Farid Samir Nabil Sofiane Yacine Bilal Amine Ayoub Ilyes Rayan "
        "Adam Walid Hamza Youssef Omar Abdelkader Saïd Mustapha Ali Kamel Hakim Nordine Djamel Mourad Tarek "
        "Anis Ismaël Imran Zakaria",
        "Fatima Khadija Nadia Samira Leïla Malika Amina Yasmina Sarah Inès Myriam Nour Lina Imane Salma "
        "Aïcha Soraya Meriem Zohra Naïma Kenza Sofia Rania Nesrine Hanane Sabrina Karima Farida Houria Djamila",
        (("Algérie", "Alger Oran Constantine Annaba Sétif Tlemcen Béjaïa", "algérienne", 5),
         ("Maroc", "Casablanca Rabat Marrakech Fès Oujda Tanger Agadir", "marocaine", 4),
         ("Tunisie", "Tunis Sfax Sousse Bizerte", "tunisienne", 2)),
        3000,
    ),
    "iberia": (
        400,
        "Da_Silva Dos_Santos Ferreira Pereira Rodrigues Fernandes Gonçalves Oliveira Costa Sousa Martins Lopes "
        "Carvalho Ribeiro Teixeira Almeida Pinto Mendes Correia Moreira Da_Costa Cardoso Marques Nunes "
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Ruiz Díaz Moreno Muñoz "
        "Álvarez Romero Navarro Torres Domínguez Ramos Gil Serrano Ortega",
        "João José Manuel António Carlos Paulo Joaquim Fernando Rui Tiago Diogo Antonio Francisco Juan "
        "Javier Miguel Pedro Luis Jorge Alberto",
        "Maria Ana Fernanda Isabel Sandra Sónia Paula Cristina Carla Teresa Rosa Carmen Dolores Pilar "
        "Lucía Conceição Fátima Rosário Mercedes Laura",
        (("Portugal", "Lisbonne Porto Braga Coimbra Viseu Guimarães", "portugaise", 3),
         ("Espagne", "Madrid Barcelone Séville Malaga Saragosse Murcie", "espagnole", 1)),
        3000,
    ),
    "italy": (
        200,
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De_Luca "
        "Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso Ferrara "
        "Galli Martini Leone Orlando Biancheri Lorenzi Pastorelli",
        "Giuseppe Giovanni Antonio Mario Luigi Francesco Marco Luca Alessandro Andrea Stefano Roberto "
        "Paolo Matteo Lorenzo",
        "Maria Anna Giulia Francesca Chiara Sara Paola Rosa Giovanna Elena Alessandra Federica Silvia "
        "Valentina Martina",
        (("Italie", "Vintimille Sanremo Gênes Turin Milan Naples Rome Cuneo", "italienne", 1),),
        2500,
    ),
    "west_africa": (
        200,
        "Diallo Traoré Diop Ndiaye Camara Coulibaly Konaté Keïta Sow Ba Sy Fall Cissé Touré Diarra Sylla "
        "Bamba Koné Ouattara Kamara Doumbia Sissoko Diakité Gueye Mbaye Faye Kanté Dembélé",
        "Mamadou Moussa Ibrahima Abdoulaye Oumar Amadou Issa Seydou Aliou Cheikh Ousmane Souleymane Boubacar "
        "Modibo Lamine Adama",
        "Fatoumata Aminata Mariama Awa Kadiatou Aïssatou Fanta Binta Khady Rokia Assa Oumou Hawa Djeneba "
        "Maïmouna Ramatoulaye",
        (("Sénégal", "Dakar Thiès Saint-Louis Ziguinchor", "sénégalaise", 2),
         ("Mali", "Bamako Kayes Ségou", "malienne", 2),
         ("Côte d'Ivoire", "Abidjan Bouaké Yamoussoukro", "ivoirienne", 2),
         ("Guinée", "Conakry Kankan", "guinéenne", 1)),
        4500,
    ),
    "turkey": (
        80,
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin "
        "Kara Koç Kurt Özkan Şimşek",
        "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Yusuf Ömer",
        "Ayşe Fatma Emine Hatice Zeynep Elif Merve Büşra Esra Özlem Gül Derya",
        (("Turquie", "Istanbul Ankara Kayseri Konya Izmir", "turque", 1),),
        3500,
    ),
    "east_asia": (
        100,
        "Nguyen Tran Le Pham Huynh Hoang Phan Vu Dang Bui Do Ho Chen Wang Li Zhang Liu Lin Huang Wu Zhou Xu",
        "Minh Thanh Hung Duc Tuan Quang Wei Jun Hao Lei",
        "Linh Lan Mai Huong Thu Ngoc Mei Li Xin Yan Ying",
        (("Viêt Nam", "Hô_Chi_Minh-Ville Hanoï Hué", "vietnamienne", 1),
         ("Chine", "Wenzhou Pékin Shanghai Canton", "chinoise", 1)),
        4000,
    ),
    "east_europe": (
        80,
        "Popescu Popa Ionescu Stan Dumitru Constantin Munteanu Rusu Kowalski Nowak Wiśniewski Wójcik "
        "Kowalczyk Kamiński Lewandowski Ivanov Petrov Smirnov Volkov",
        "Ion Gheorghe Vasile Andrei Mihai Piotr Krzysztof Tomasz Ivan Dmitri Sergueï Alexandru",
        "Elena Ioana Maria Andreea Anna Katarzyna Agnieszka Olga Tatiana Natalia Irina Ekaterina",
        (("Roumanie", "Bucarest Iași Cluj-Napoca Timișoara", "roumaine", 2),
         ("Pologne", "Varsovie Cracovie Łódź", "polonaise", 1),
         ("Russie", "Moscou Saint-Pétersbourg", "russe", 1)),
        6000,
    ),
    "britain": (
        40,
        "Smith Jones Williams Brown Taylor Davies Wilson Evans Johnson Roberts Walker Wright Thompson White "
        "Hughes Edwards Green Hall Wood",
        "James John David Michael Paul Mark Richard Peter Andrew Stephen",
        "Sarah Emma Claire Helen Susan Elizabeth Victoria Rachel Emily Karen",
        (("Royaume-Uni", "Londres Manchester Birmingham Leeds Édimbourg", "britannique", 1),),
        7000,
    ),
}

# First names: "Name peak height half-width [floor]" (see the module docstring).
MALE_FIRST_NAMES = """
Jean 1928 55 40 3; Pierre 1940 25 50 8; Michel 1947 45 25; André 1925 35 25; Jacques 1940 35 25
Bernard 1945 28 20; Alain 1952 35 18; Claude 1940 25 20; Daniel 1950 25 22; Gérard 1948 30 18
Roger 1925 25 20; René 1922 30 22; Henri 1920 22 30 2; Robert 1925 22 22; Marcel 1920 25 20
Louis 1918 18 30 3; Louis 2015 18 20; Georges 1920 20 25; Paul 1925 15 30 4; Paul 2015 10 14
Philippe 1958 45 15; Patrick 1955 42 15; Jean-Pierre 1950 25 15; Jean-Claude 1945 22 15
Jean-Luc 1958 15 12; Jean-François 1960 12 14; Jean-Marc 1960 12 12; Jean-Michel 1955 12 12
Jean-Paul 1950 10 14; Jean-Louis 1950 10 14; Jean-Jacques 1948 8 12; Jean-Marie 1950 8 15
Jean-Baptiste 1992 6 14; Jean-Christophe 1968 5 10; Pierre-Yves 1968 3 10; Marc-Antoine 1995 3 10
Pascal 1962 35 12; Thierry 1963 38 12; Dominique 1958 22 14; Éric 1965 35 12; Christian 1955 28 16
Didier 1960 25 12; Gilles 1958 18 12; Laurent 1967 38 12; Frédéric 1970 33 12; Olivier 1970 33 14
Christophe 1971 42 12; Stéphane 1970 38 12; Bruno 1963 18 14; Serge 1950 15 14; Denis 1958 12 14
Yves 1945 13 16; Guy 1940 13 16; Marc 1958 12 18; François 1955 12 30 3; Hervé 1963 14 10
Franck 1969 16 10; Sébastien 1977 38 10; David 1975 35 14; Cédric 1978 25 10; Nicolas 1981 38 14
Julien 1983 35 12; Jérôme 1974 22 10; Arnaud 1978 15 10; Mickaël 1980 15 10; Grégory 1978 16 9
Fabrice 1970 15 10; Vincent 1978 15 16; Guillaume 1985 20 14; Romain 1988 22 10; Maxime 1992 22 12
Alexandre 1990 20 16; Anthony 1988 20 10; Kévin 1992 25 8; Jonathan 1987 12 9; Jérémy 1990 18 8
Florian 1993 18 9; Benjamin 1990 18 14; Thomas 1992 28 16; Quentin 1995 22 10; Antoine 1995 15 20 2
Valentin 1997 15 10; Alexis 1997 14 12; Dylan 1997 15 7; Clément 1995 15 12; Mathieu 1985 12 12
Hugo 2005 22 14; Lucas 2004 30 12; Théo 2003 25 12; Enzo 2005 20 10; Nathan 2006 24 12; Mathis 2006 18 9
Léo 2015 20 16; Gabriel 2018 20 16; Raphaël 2015 17 16; Arthur 2017 17 14; Jules 2015 15 14
Adam 2018 16 12; Noah 2018 14 10; Ethan 2017 12 10; Tom 2008 14 10; Sacha 2018 10 10; Timéo 2014 8 8
Nolan 2015 8 8; Mohamed 1995 9 40; Mehdi 1990 10 12; Yanis 2005 12 10; Rayan 2008 10 10; Karim 1975 6 12
Joël 1955 7 14; Noël 1935 8 20; Gaël 1980 8 10; Yann 1978 10 10; Loïc 1980 12 10; Killian 2000 8 8
Baptiste 1998 10 12; Lucien 1915 10 20 1; Lucien 2022 4 10; Émile 1915 8 20; Émile 2020 6 12
Victor 2015 8 18 2; Martin 2012 7 12; Maël 2015 10 10; Timothée 2005 6 10; Mathéo 2008 6 8
Evan 2008 6 8; Axel 2005 8 12; Aaron 2018 8 10; Liam 2020 10 10; Marius 2020 6 10; Albert 1915 14 20
Roland 1935 10 15; Raymond 1925 15 18; Maurice 1915 15 20; Fernand 1915 12 15; Gaston 1912 8 12
Francis 1950 10 14; Patrice 1960 12 10; Lionel 1968 8 10; Sylvain 1975 12 10; Yannick 1970 10 10
Ludovic 1978 12 9; Emmanuel 1970 10 14; Damien 1980 14 10; Samuel 1985 8 14; Matthieu 1985 8 10
Adrien 1990 10 12; Corentin 1995 6 8; Jordan 1992 10 8; Rémi 1985 8 12; Fabien 1977 12 9
Benoît 1975 10 12; Xavier 1970 8 12; Joseph 1915 12 25 1; Jacky 1958 6 8; Bertrand 1965 6 12
""".replace(";", "\n")

FEMALE_FIRST_NAMES = """
Marie 1915 80 40 6; Jeanne 1915 30 25; Jeanne 2012 6 14; Marguerite 1915 20 20; Germaine 1918 20 15
Suzanne 1925 18 18; Madeleine 1920 18 18; Simone 1925 18 18; Denise 1928 18 16; Yvette 1930 15 15
Paulette 1930 13 14; Odette 1928 10 14; Jacqueline 1935 35 15; Monique 1945 35 15; Colette 1935 14 15
Nicole 1947 32 14; Danielle 1950 20 12; Michèle 1948 22 14; Françoise 1950 30 15; Annie 1952 18 12
Christiane 1945 15 14; Josiane 1950 10 12; Martine 1955 38 12; Christine 1960 38 12; Catherine 1960 30 14
Sylvie 1962 38 12; Isabelle 1966 40 12; Brigitte 1955 22 12; Chantal 1955 20 12; Patricia 1960 22 10
Dominique 1960 15 12; Nathalie 1968 45 10; Valérie 1968 33 10; Sandrine 1972 38 9; Corinne 1966 15 10
Véronique 1963 20 10; Pascale 1963 10 10; Laurence 1967 18 10; Florence 1968 15 10; Karine 1974 25 9
Céline 1978 30 9; Stéphanie 1976 35 9; Virginie 1976 22 9; Sophie 1975 22 14; Aurélie 1982 33 9
Émilie 1985 26 10; Audrey 1983 20 9; Mélanie 1984 22 9; Julie 1987 30 10; Caroline 1978 15 10
Élodie 1985 20 9; Laetitia 1980 15 8; Anne 1960 10 20 2; Anne-Marie 1950 10 14; Marie-Claire 1950 5 12
Marie-Christine 1955 8 12; Marie-Thérèse 1940 8 15; Marie-France 1950 5 12; Marie-Laure 1970 5 10
Marie-Pierre 1962 4 10; Anne-Sophie 1985 5 10; Marie-Hélène 1955 4 12; Hélène 1950 12 20; Agnès 1960 8 14
Cécile 1970 12 12; Claire 1980 10 16; Camille 1995 24 14; Laura 1993 25 9; Manon 1998 25 10
Sarah 1995 22 14; Marine 1992 18 9; Pauline 1990 20 10; Marion 1990 16 10; Anaïs 1995 15 10
Océane 1998 18 8; Léa 2003 32 12; Chloé 2000 25 12; Emma 2010 22 14; Inès 2006 16 14; Jade 2016 20 12
Louise 2017 18 14; Alice 2017 14 14; Lina 2016 12 10; Rose 2019 12 10; Ambre 2018 12 10; Anna 2015 11 12
Mila 2020 12 8; Zoé 2008 14 12; Lola 2008 14 10; Clara 2005 14 12; Juliette 2012 12 14; Lilou 2010 10 8
Maëlys 2010 10 8; Maëlle 2005 8 10; Noémie 1998 10 10; Mathilde 1998 10 14; Lucie 2000 14 14
Charlotte 1995 12 14; Justine 1993 12 9; Margaux 2000 10 10; Elsa 2002 6 10; Eva 2008 10 12
Romane 2010 10 8; Agathe 2015 8 10; Héloïse 2010 5 10; Clémence 2000 8 12; Gaëlle 1978 8 10
Nadège 1975 6 8; Sabrina 1978 10 9; Jessica 1988 12 8; Vanessa 1983 10 9; Amandine 1985 14 8
Coralie 1985 10 8; Morgane 1990 12 8; Alexandra 1985 8 12; Élise 1998 6 14; Margot 2000 8 10
Charlène 1990 10 8; Ginette 1930 12 12; Raymonde 1925 10 12; Lucienne 1920 12 14; Renée 1925 12 14
Andrée 1928 12 14; Thérèse 1930 12 16; Geneviève 1940 14 16; Bernadette 1945 12 14; Josette 1940 10 12
Mireille 1950 10 12; Évelyne 1955 10 12; Joëlle 1958 8 12; Noëlle 1950 4 12; Régine 1955 5 10
Muriel 1966 10 9; Myriam 1970 6 12; Béatrice 1960 8 12; Bénédicte 1970 4 10; Fatima 1975 5 25
Yasmine 2000 6 12; Nadia 1975 5 12; Leïla 1985 4 14; Amina 2005 4 14; Louna 2012 6 8; Alicia 1998 6 10
Nina 2012 8 12; Victoire 2018 5 10; Adèle 2018 8 12; Iris 2019 7 10; Julia 2008 8 12; Léna 2012 10 10
Valentine 2000 6 10; Capucine 2015 5 10; Giulia 2018 5 10; Kenza 2008 4 10
""".replace(";", "\n")
