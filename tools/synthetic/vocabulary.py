"""Word lists and weights for realistic Indonesian CRM data.

Values the landing contract knows (channels, statuses, tiers...) come from it; this
module adds only how often each occurs.
"""

from __future__ import annotations

from segmentation.landing.sources import CAMPAIGN_RECIPIENT_STATUSES as RECIPIENT_STATUSES
from segmentation.landing.sources import ORDER_STATUSES as ORDER_STATUS_VALUES
from segmentation.landing.sources import entity


def weighted(values: tuple[str, ...], weights: tuple[int, ...]) -> tuple[tuple[str, int], ...]:
    """``(value, weight)`` pairs, one weight for each of the contract's ``values``."""
    return tuple(zip(values, weights, strict=True))


def _known(entity_name: str, column: str) -> tuple[str, ...]:
    return entity(entity_name).known_values[column]


MALE_FIRST_NAMES = (
    "Budi",
    "Agus",
    "Andi",
    "Rizky",
    "Dimas",
    "Fajar",
    "Hendra",
    "Iwan",
    "Joko",
    "Bayu",
    "Eko",
    "Ahmad",
    "Muhammad",
    "Yusuf",
    "Reza",
    "Arif",
    "Teguh",
    "Wahyu",
    "Gilang",
    "Putra",
    "Hadi",
    "Rudi",
    "Dedi",
    "Bambang",
    "Irfan",
    "Kurniawan",
    "Yoga",
    "Aditya",
    "Ilham",
    "Galih",
)
FEMALE_FIRST_NAMES = (
    "Siti",
    "Dewi",
    "Sri",
    "Ayu",
    "Putri",
    "Rina",
    "Nur",
    "Wulan",
    "Indah",
    "Fitri",
    "Ratna",
    "Lestari",
    "Maya",
    "Intan",
    "Citra",
    "Nadia",
    "Anisa",
    "Dian",
    "Yuni",
    "Kartika",
    "Mega",
    "Novi",
    "Rahma",
    "Sari",
    "Tari",
    "Utami",
    "Vina",
    "Wati",
    "Zahra",
    "Larasati",
)
LAST_NAMES = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Pratama",
    "Hidayat",
    "Nugroho",
    "Setiawan",
    "Kusuma",
    "Siregar",
    "Nasution",
    "Lubis",
    "Harahap",
    "Simanjuntak",
    "Sitompul",
    "Gunawan",
    "Halim",
    "Wibowo",
    "Susanto",
    "Hartono",
    "Purnomo",
    "Suryadi",
    "Rahman",
    "Hakim",
    "Permana",
    "Firmansyah",
    "Maulana",
    "Ramadhan",
    "Syahputra",
    "Tanjung",
    "Manurung",
    "Sinaga",
    "Pohan",
)
CITIES = (
    ("Jakarta", 22),
    ("Surabaya", 10),
    ("Bandung", 9),
    ("Medan", 7),
    ("Semarang", 5),
    ("Makassar", 5),
    ("Palembang", 4),
    ("Tangerang", 6),
    ("Depok", 4),
    ("Bekasi", 6),
    ("Yogyakarta", 4),
    ("Denpasar", 3),
    ("Malang", 3),
    ("Bogor", 4),
    ("Batam", 2),
    ("Pekanbaru", 2),
    ("Padang", 2),
    ("Balikpapan", 2),
    ("Manado", 1),
    ("Pontianak", 1),
)
STREETS = (
    "Jl. Sudirman",
    "Jl. Thamrin",
    "Jl. Gatot Subroto",
    "Jl. Diponegoro",
    "Jl. Ahmad Yani",
    "Jl. Merdeka",
    "Jl. Pahlawan",
    "Jl. Imam Bonjol",
    "Jl. Gajah Mada",
    "Jl. Hayam Wuruk",
    "Jl. Pemuda",
    "Jl. Veteran",
    "Jl. Kartini",
    "Jl. Asia Afrika",
    "Jl. Malioboro",
)
EMAIL_DOMAINS = (
    ("gmail.com", 55),
    ("yahoo.co.id", 12),
    ("yahoo.com", 8),
    ("outlook.com", 6),
    ("hotmail.com", 4),
    ("icloud.com", 3),
    ("ymail.com", 2),
    ("company.co.id", 10),
)
JOB_TITLES = (
    "Owner",
    "Manager",
    "Staff",
    "Sales Executive",
    "Marketing Manager",
    "Purchasing",
    "Engineer",
    "Teacher",
    "Entrepreneur",
    "Student",
    "Admin",
    "Director",
    "Supervisor",
    "Accountant",
    "Doctor",
    "Nurse",
    "Freelancer",
    "Civil Servant",
)
LEAD_SOURCES = (
    ("WhatsApp", 30),
    ("Website Form", 14),
    ("Instagram", 14),
    ("Facebook Ads", 10),
    ("Referral", 8),
    ("Walk-in", 6),
    ("Tokopedia", 6),
    ("Shopee", 6),
    ("Event", 3),
    ("Import", 3),
)
LEAD_STATUSES = (
    ("New Lead", 25),
    ("Contacted", 25),
    ("Qualified", 18),
    ("Customer", 24),
    ("Churned", 8),
)
TENANT_NAMES = (
    "Toko Makmur Jaya",
    "Klinik Sehat Sentosa",
    "Kopi Nusantara",
    "Batik Lestari",
    "Sinar Elektronik",
    "Rumah Properti Prima",
    "Bimbel Cerdas",
    "Garuda Travel",
    "Dapur Mama",
    "Otomotif Sejahtera",
    "Fashion Kita",
    "Apotek Harapan",
)
TENANT_TIMEZONES = ("Asia/Jakarta", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
PACKAGE_TIERS = _known("tenants", "package_tier")
CONVERSATION_CHANNELS = weighted(_known("conversations", "channel"), (62, 12, 7, 8, 8, 3))
CAMPAIGN_THEMES = (
    "Promo Gajian",
    "Flash Sale",
    "Ramadan Sale",
    "Harbolnas 12.12",
    "New Arrival",
    "Member Day",
    "Year End Sale",
    "Back to School",
    "Weekend Deal",
    "Independence Day",
)
CAMPAIGN_RECIPIENT_STATUSES = weighted(RECIPIENT_STATUSES, (10, 35, 35, 15, 5))
COMPANY_WORDS = (
    "Maju",
    "Jaya",
    "Sentosa",
    "Abadi",
    "Makmur",
    "Sejahtera",
    "Mandiri",
    "Prima",
    "Nusantara",
    "Karya",
    "Sukses",
    "Bersama",
    "Cahaya",
    "Indah",
    "Utama",
    "Global",
)
INDUSTRIES = (
    "Retail",
    "Manufacturing",
    "Technology",
    "Finance",
    "Healthcare",
    "Education",
    "Hospitality",
    "Logistics",
    "Food & Beverage",
    "Property",
)
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
DEAL_PIPELINES = ("Sales", "Partnership", "Renewal")
DEAL_STAGES = {
    "open": ("Qualification", "Proposal", "Negotiation"),
    "won": ("Closed Won",),
    "lost": ("Closed Lost",),
}
TICKET_STATUSES = weighted(_known("tickets", "status"), (10, 8, 52, 30))
TICKET_PRIORITIES = weighted(_known("tickets", "priority"), (35, 40, 20, 5))
TICKET_CATEGORIES = ("billing", "delivery", "product", "account", "complaint")
ORDER_STATUSES = weighted(ORDER_STATUS_VALUES, (8, 8, 70, 9, 5))
LOYALTY_TIERS = weighted(_known("loyalty_members", "tier"), (50, 30, 15, 5))

CUSTOM_FIELDS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    # field type -> (name, options) variants; tenant i takes variant i % len.
    "single_line_text": (("Nickname", ()), ("Member Code", ()), ("Referral Code", ())),
    "text_area": (("Notes", ()), ("Delivery Instructions", ()), ("Medical History", ())),
    "url": (("Website", ()), ("Instagram Profile", ()), ("Portfolio", ())),
    "dropdown_select": (
        ("Membership Plan", ("Basic", "Premium", "VIP")),
        ("Preferred Branch", ("Jakarta Pusat", "Jakarta Selatan", "Bandung", "Surabaya")),
        ("Customer Type", ("B2B", "B2C", "Reseller")),
    ),
    "multiple_select": (
        ("Interests", ("Fashion", "Gadget", "Beauty", "Sport", "Travel", "Food")),
        ("Preferred Products", ("Kopi Susu", "Americano", "Teh", "Roti", "Kue")),
        ("Services Used", ("Konsultasi", "Laboratorium", "Vaksin", "Farmasi")),
    ),
    "number": (("Annual Revenue", ()), ("Household Size", ()), ("Credit Limit", ())),
    "percentage": (("Discount Rate", ()), ("Profile Completeness", ()), ("Satisfaction", ())),
    "date": (("Last Visit", ()), ("Contract End", ()), ("Anniversary", ())),
    "boolean": (("Newsletter", ()), ("VIP", ()), ("Has Insurance", ())),
    "upload": (("ID Card", ()), ("Tax Document", ()), ("Photo", ())),
    "signature": (("Signature", ()), ("Consent Signature", ()), ("Agreement", ())),
    "gps": (("Store Location", ()), ("Home Location", ()), ("Delivery Point", ())),
}
