"""What States write, in the six UN languages: sentences, institutions and people's names
the data set draws its answers from (written for this benchmark)."""

from __future__ import annotations

SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "The Ministry of Justice leads an inter-agency working group that reviews progress "
        "against this commitment every six months.",
        "A revised Criminal Code entered into force in 2023; its articles 41 to 47 set out "
        "the offences and penalties concerned.",
        "Training modules on these standards are now part of the curriculum of the police "
        "academy and of the institute for magistrates.",
        "Municipal safety councils bring together the police, schools, health services and "
        "residents' associations in each district.",
        "Data are collected through the case-management system of the prosecution service "
        "and published in an annual statistical bulletin.",
        "A pilot programme in three provinces was evaluated by the national university, "
        "which recommended extending it nationwide.",
        "Civil society organizations were consulted on the draft law through public "
        "hearings and an online platform open for sixty days.",
        "Budget constraints have delayed the recruitment of specialized staff, particularly "
        "in remote areas.",
        "The central authority for mutual legal assistance received 412 requests last year "
        "and answered most of them within four months.",
        "Guidelines issued by the Prosecutor General in 2022 require that victims be "
        "informed at each stage of the proceedings.",
        "A memorandum of understanding with the regional organization provides for joint "
        "training and the exchange of liaison officers.",
        "Independent oversight is ensured by the national human rights institution, which "
        "may visit any place of detention without notice.",
        "The strategy's action plan assigns each measure to a lead institution, with a "
        "deadline and a performance indicator.",
        "Further technical assistance would help to digitize court records and to link the "
        "databases of the police and the prosecution.",
        "Gender-sensitive procedures were introduced in all specialized units, and the "
        "share of women among investigators has doubled since 2019.",
        "Reports of the inspection services are submitted to Parliament and published on "
        "the website of the ministry.",
    ),
    "es": (
        "El Ministerio de Justicia coordina una mesa interinstitucional que examina los "
        "avances cada seis meses.",
        "La reforma del Código Penal de 2023 tipifica las conductas descritas y establece "
        "penas proporcionales.",
        "La academia de policía y la escuela judicial incorporaron estos contenidos en sus "
        "programas de formación inicial y continua.",
        "Los gobiernos locales ejecutan programas de prevención con escuelas, servicios de "
        "salud y organizaciones comunitarias.",
        "El instituto nacional de estadística publica cada año datos desagregados por sexo, "
        "edad y región.",
        "Persisten dificultades presupuestarias que limitan la presencia institucional en "
        "las zonas rurales.",
        "Se celebraron consultas con la sociedad civil y el mundo académico antes de aprobar "
        "la estrategia nacional.",
        "La autoridad central tramita electrónicamente las solicitudes de asistencia "
        "judicial recíproca.",
    ),
    "fr": (
        "Le ministère de la Justice anime un comité interministériel qui fait le point tous "
        "les six mois sur la mise en œuvre.",
        "La loi du 12 mars 2022 a modifié le Code de procédure pénale afin de renforcer les "
        "droits des victimes.",
        "Les magistrats, les officiers de police judiciaire et les agents pénitentiaires "
        "suivent une formation obligatoire sur ces normes.",
        "Des conseils locaux de sécurité et de prévention de la délinquance associent les "
        "communes, les écoles et les associations.",
        "L'observatoire national publie chaque année des statistiques ventilées par sexe, "
        "par âge et par région.",
        "Le manque de personnel spécialisé freine encore la mise en œuvre dans les régions "
        "les plus éloignées.",
        "Un accord de coopération avec les États voisins prévoit des équipes communes "
        "d'enquête et l'échange d'officiers de liaison.",
    ),
    "ar": (
        "تتولى وزارة العدل تنسيق لجنة وطنية تجتمع كل ثلاثة أشهر لمتابعة تنفيذ هذا الالتزام.",
        "صدر في عام ٢٠٢٢ قانون جديد يعزز حقوق الضحايا ويكفل لهم المساعدة القانونية المجانية.",
        "يتلقى القضاة وأعضاء النيابة العامة وضباط الشرطة تدريباً منتظماً على المعايير الدولية "
        "ذات الصلة.",
        "تنشر الهيئة الوطنية للإحصاء سنوياً بيانات عن الجريمة مصنفة حسب الجنس والعمر والمنطقة.",
        "لا تزال الموارد المالية والبشرية محدودة في المناطق الريفية والنائية.",
        "أُبرمت اتفاقيات ثنائية مع الدول المجاورة بشأن تبادل المعلومات وتسليم المطلوبين.",
    ),
    "ru": (
        "Министерство юстиции координирует работу межведомственной комиссии, которая "
        "ежеквартально рассматривает ход выполнения.",
        "В 2023 году в Уголовный кодекс были внесены поправки, усиливающие защиту "
        "потерпевших и свидетелей.",
        "Сотрудники полиции, прокуроры и судьи проходят обязательное обучение по "
        "соответствующим международным стандартам.",
        "Национальная статистическая служба ежегодно публикует данные о преступности в "
        "разбивке по полу, возрасту и региону.",
        "Нехватка квалифицированных кадров по-прежнему затрудняет работу в отдалённых "
        "районах.",
        "Заключены двусторонние соглашения о взаимной правовой помощи и выдаче с соседними "
        "государствами.",
    ),
    "zh": (
        "司法部牵头成立了跨部门工作组，每半年审查一次本段落的落实情况。",
        "2023年修订的刑法进一步明确了相关罪名和刑罚，加强了对被害人的保护。",
        "警察、检察官和法官定期接受有关国际标准的专门培训。",
        "国家统计部门每年发布按性别、年龄和地区分列的犯罪统计数据。",
        "偏远地区仍面临专业人员和经费不足的问题。",
        "我国与周边国家签订了司法协助和引渡条约，并通过电子方式处理请求。",
    ),
}

INSTITUTIONS: dict[str, tuple[str, ...]] = {
    "en": ("Ministry of Justice", "Ministry of the Interior", "Office of the Prosecutor General",
           "National Police", "Supreme Court", "Ministry of Social Affairs",
           "Financial Intelligence Unit", "National Statistics Office",
           "Prison Administration", "Judicial Training Institute"),
    "es": ("Ministerio de Justicia", "Ministerio del Interior", "Fiscalía General de la Nación",
           "Policía Nacional", "Corte Suprema de Justicia", "Defensoría del Pueblo",
           "Unidad de Inteligencia Financiera", "Instituto Nacional de Estadística"),
    "fr": ("Ministère de la Justice", "Ministère de l'Intérieur", "Parquet général",
           "Police nationale", "Cour de cassation", "Cellule de renseignement financier",
           "Institut national de la statistique", "École nationale de la magistrature"),
    "ar": ("وزارة العدل", "وزارة الداخلية", "النيابة العامة", "الشرطة الوطنية",
           "المحكمة العليا", "وحدة الاستخبارات المالية", "الهيئة الوطنية للإحصاء"),
    "ru": ("Министерство юстиции", "Министерство внутренних дел", "Генеральная прокуратура",
           "Верховный суд", "Служба финансовой разведки", "Национальный статистический комитет"),
    "zh": ("司法部", "公安部", "最高人民检察院", "最高人民法院", "国家统计局", "外交部"),
}

NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("Amina", "David", "Grace", "Kwame", "Laura", "Michael", "Priya", "Samuel"),
           ("Mensah", "Okafor", "Patel", "Smith", "Tanaka", "Williams", "Ndlovu", "Brown")),
    "es": (("Ana", "Carlos", "Lucía", "Mateo", "Valentina", "Diego"),
           ("García", "Rodríguez", "Fernández", "López", "Martínez", "Pérez")),
    "fr": (("Aïcha", "Camille", "Étienne", "Fatou", "Hélène", "Jean-Baptiste"),
           ("Diallo", "Dubois", "Lefèvre", "Moreau", "Ndiaye", "Traoré")),
    "ar": (("أحمد", "فاطمة", "خالد", "ليلى", "محمد", "نور"),
           ("العلي", "الحسن", "المنصور", "الخطيب", "السيد", "القاسم")),
    "ru": (("Анна", "Дмитрий", "Елена", "Иван", "Ольга", "Сергей"),
           ("Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Волкова")),
    "zh": (("伟", "芳", "娜", "敏", "静", "磊"), ("王", "李", "张", "刘", "陈", "杨")),
}
