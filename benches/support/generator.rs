//! Synthetic agency extracts with ground truth, for benchmarks and matcher
//! tuning: `justice.csv`, `tax.csv` and `statistics.csv` in the formats of
//! docs/SOURCES.md, `truth.csv` (the entity behind every row, by line) and
//! `entities.csv` (the clean record of every entity).
//!
//! Std only, so that any bench or example can include it with `#[path]`.
//! Every choice derives from the seed: the same seed gives byte-identical
//! files. The population is held in memory (under 200 bytes an entity); rows
//! are rendered one at a time and streamed out, each entity and file drawing
//! from its own random stream so files do not depend on each other's order.
//!
//! The hard cases of "What makes real extracts hard" appear at the rates
//! below: scripts, transliteration, legal forms placed anywhere, quotes,
//! letter case, typos, run-together words, initials, common names (a few
//! very common, a long tail of names of their own), branches named after
//! their parent, renames, moves, disagreeing activity codes and
//! mistyped tins (some of which hit another entity's tin).

// Several targets include this file and each uses a different part of it.
#![allow(dead_code)]

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

// ---------------------------------------------------------------------------
// Rates: shares of the entities or rows they apply to. Tune here.

/// Entities that are individual entrepreneurs (in tax and statistics, not
/// justice).
const PERSON_SHARE: f64 = 0.20;
/// Legal persons with one branch, itself an entity, in justice and statistics.
const BRANCH_SHARE: f64 = 0.05;
/// Entities that have ceased (liquidated, reorganised, deregistered).
const DEAD_SHARE: f64 = 0.10;
/// Dead legal persons taken over by another (the rest are liquidated).
const REORGANISED_SHARE_OF_DEAD: f64 = 0.10;
/// Live legal persons in the middle of liquidation.
const IN_LIQUIDATION_SHARE: f64 = 0.02;
/// Legal persons that have a justice row (branches always have one).
const JUSTICE_COVERAGE: f64 = 0.97;
/// Legal persons that have a tax row (entrepreneurs always have one).
const TAX_COVERAGE: f64 = 0.95;
/// Live firms and entrepreneurs observed by the statistical surveys.
const STATS_COVERAGE: f64 = 0.45;
/// Live branches observed by the statistical surveys.
const STATS_BRANCH_COVERAGE: f64 = 0.30;
/// Justice rows of legal persons that carry the tin (none for branches).
const JUSTICE_TIN_SHARE: f64 = 0.67;
/// Statistics rows that carry the tin.
const STATS_TIN_SHARE: f64 = 0.45;
/// Tax rows of legal persons that carry the justice reg_number (~30% of all
/// tax rows, entrepreneurs having none).
const TAX_REG_NUMBER_SHARE: f64 = 0.39;
/// Firm names drawn whole from the common names (`Bereket`, `Altyn Group`);
/// the rest are composed afresh and mostly one of a kind.
const COMMON_NAME_SHARE: f64 = 0.3;
/// How many common names there are. The one of rank r (from 1) is drawn with
/// a weight of 1 / (r + ZIPF_OFFSET): Zipf's law with its top flattened
/// (Zipf–Mandelbrot), as the frequencies of names in a register fall.
const COMMON_NAMES: usize = 100_000;
/// Flattens the top: the commonest name is about twice the tenth, not ten times.
const ZIPF_OFFSET: u64 = 10;
/// The popular words, first in `WORDS`, are also the most common names.
const POPULAR_WORDS: usize = 30;
/// Given names a composed firm name may start with (`Merdan Trade`).
const GIVEN_NAMES: usize = MALE_NAMES.len() + FEMALE_NAMES.len();
/// Firms renamed: justice has the new name, statistics the old, tax either.
const RENAMED_SHARE: f64 = 0.03;
/// Entities that moved: one source still has the old address.
const MOVED_SHARE: f64 = 0.04;
/// Name rows with one typo (substituted, deleted or transposed letter).
const TYPO_SHARE: f64 = 0.04;
/// Name rows with two words run together (`Altynýyldyz`).
const RUN_TOGETHER_SHARE: f64 = 0.03;
/// Tins written outside tax (justice, statistics) with two digits swapped.
const TIN_TYPO_SHARE: f64 = 0.005;
/// Entities whose tin is one digit swap away from an earlier entity's, so
/// that a mistyped tin of either lands on the other.
const TIN_TWIN_SHARE: f64 = 0.10;
/// Address rows with the house number off by one.
const HOUSE_OFF_BY_ONE_SHARE: f64 = 0.03;
/// Address rows with the house number missing.
const HOUSE_MISSING_SHARE: f64 = 0.02;
/// Rows with an empty region column.
const REGION_EMPTY_SHARE: f64 = 0.05;
/// Tax rows whose activity is another class than the true one.
const TAX_ACTIVITY_DISAGREE_SHARE: f64 = 0.12;
/// Statistics rows whose activity is another class of the same division.
const STATS_ACTIVITY_DISAGREE_SHARE: f64 = 0.04;
/// Name rows with stray spaces (leading, trailing, doubled).
const SPACE_NOISE_SHARE: f64 = 0.03;
/// Firm names whose legal form is written in the other script.
const MIXED_FORM_SHARE: f64 = 0.04;
/// Rows whose address is not in the script of the name.
const ADDRESS_SCRIPT_SWITCH_SHARE: f64 = 0.20;
/// Dates written `DD.MM.YYYY` rather than `YYYY-MM-DD`.
const DMY_DATE_SHARE: f64 = 0.40;

/// Writing scripts per source, in percent: justice mostly writes Turkmen.
const JUSTICE_SCRIPTS: [(Script, u32); 5] = [
    (Script::Latin, 70),
    (Script::Russian, 17),
    (Script::TurkmenCyrillic, 3),
    (Script::Ascii, 6),
    (Script::AsciiDigraph, 4),
];
/// Tax inspectors type whatever keyboard they have.
const TAX_SCRIPTS: [(Script, u32); 5] = [
    (Script::Latin, 50),
    (Script::Russian, 26),
    (Script::TurkmenCyrillic, 4),
    (Script::Ascii, 10),
    (Script::AsciiDigraph, 10),
];
/// Survey forms: like tax.
const STATS_SCRIPTS: [(Script, u32); 5] = [
    (Script::Latin, 52),
    (Script::Russian, 25),
    (Script::TurkmenCyrillic, 3),
    (Script::Ascii, 10),
    (Script::AsciiDigraph, 10),
];
/// Where the legal form goes in a justice name: usually present.
const JUSTICE_PLACEMENT: [(Placement, u32); 3] = [
    (Placement::Before, 45),
    (Placement::After, 45),
    (Placement::Absent, 10),
];
/// Where the legal form goes in a tax or statistics name.
const OTHER_PLACEMENT: [(Placement, u32); 3] = [
    (Placement::Before, 30),
    (Placement::After, 35),
    (Placement::Absent, 35),
];
/// Letter case of a name.
const CASES: [(Case, u32); 4] = [
    (Case::Keep, 58),
    (Case::Title, 17),
    (Case::Upper, 16),
    (Case::Lower, 9),
];
/// Quotes around a firm name; the first, none, has the weight of the rest.
const QUOTES: [((&str, &str), u32); 7] = [
    (("", ""), 40),
    (("«", "»"), 18),
    (("\"", "\""), 18),
    (("“", "”"), 10),
    (("'", "'"), 8),
    (("„", "“"), 3),
    (("‘", "’"), 3),
];
/// Legal forms of legal persons, by code of the legal forms fixture.
const FIRM_FORMS: [(&str, u32); 9] = [
    ("ES", 48),
    ("PE", 22),
    ("SE", 5),
    ("OJSC", 3),
    ("CJSC", 5),
    ("COOP", 3),
    ("DB", 6),
    ("JV", 4),
    ("PA", 4),
];

// ---------------------------------------------------------------------------
// Public API

/// What to generate: how many entities (branches included), from which seed.
pub struct Config {
    /// Entities in the population, branches included.
    pub entities: usize,
    /// Seed of every random choice.
    pub seed: u64,
}

/// How many entities and source rows were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Entities in `entities.csv`.
    pub entities: usize,
    /// Data rows of `justice.csv`.
    pub justice_rows: usize,
    /// Data rows of `tax.csv`.
    pub tax_rows: usize,
    /// Data rows of `statistics.csv`.
    pub statistics_rows: usize,
}

/// Writes the three extracts, `truth.csv` and `entities.csv` into `dir`.
pub fn generate(dir: &Path, config: &Config) -> io::Result<Summary> {
    let forms = Forms::parse(LEGAL_FORMS)?;
    let world = World::new(config, forms);
    let mut truth = Csv::create(&dir.join("truth.csv"), b',', false)?;
    truth.record(&["source", "source_key", "entity", "line"])?;
    let justice_rows = world.write_justice(dir, &mut truth)?;
    let tax_rows = world.write_tax(dir, &mut truth)?;
    let statistics_rows = world.write_statistics(dir, &mut truth)?;
    truth.finish()?;
    world.write_entities(dir)?;
    Ok(Summary {
        entities: world.entities.len(),
        justice_rows,
        tax_rows,
        statistics_rows,
    })
}

// ---------------------------------------------------------------------------
// Random numbers

/// Xoshiro256** seeded through SplitMix64: small, fast, identical everywhere.
struct Rng {
    s: [u64; 4],
}

/// SplitMix64's finaliser: a good 64-bit mixing function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix(state)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// An independent stream for one entity and purpose, so that a file can
    /// be written without replaying the draws of the others.
    fn stream(seed: u64, entity: usize, purpose: u64) -> Rng {
        Rng::new(mix(
            mix(seed ^ purpose.wrapping_mul(0xD6E8_FEB8_6659_FD93)) ^ entity as u64
        ))
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in [0, 1), exact in binary so the same on every platform.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index below `n` favouring the first ones (density ~ 1/sqrt(i)):
    /// lists put their popular entries first.
    fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * n as f64) as usize).min(n - 1)
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|item| item.1).sum();
        let mut r = self.below(total as usize) as u32;
        for &(item, weight) in items {
            if r < weight {
                return item;
            }
            r -= weight;
        }
        items[items.len() - 1].0
    }
}

// ---------------------------------------------------------------------------
// Vocabulary. Lists with a skewed draw put their popular entries first.

/// Turkmen words of enterprise names; the first 30 are the popular ones
/// that many unrelated enterprises share. Proper nouns are capitalised.
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "bereket", "ynam", "altyn", "ak ýol", "miras", "döwlet", "sahy", "gülzemin", "ýyldyz", "Nusaý",
    "rowaç", "zähmet", "mekan", "bahar", "derman", "şöhrat", "täze", "ussat", "gözel", "berkarar",
    "parahat", "dostluk", "serdar", "ylham", "saglyk", "söwda", "hyzmat", "önüm", "nur", "lale",
    "nebit", "pagta", "maglumat", "gündogar", "günorta", "demirgazyk", "günbatar", "işjeň", "azyk",
    "dokma", "gurluşyk", "tehnologiýa", "aragatnaşyk", "halk", "bägül", "gyrat", "mert", "kämil",
    "ajaýyp", "döwran", "açyk asman", "ýüpek", "kuwwat", "senagat", "ýaşyl", "bagt", "bagtyýar",
    "arzuw", "umyt", "ösüş", "galkynyş", "eziz", "mähir", "ýagty", "nurana", "dünýä", "älem",
    "asman", "deňiz", "derýa", "çeşme", "güneş", "ak bugdaý", "üzüm", "nar", "haly", "keşde",
    "nagyş", "ulag", "ýük", "ýol", "köpri", "çyra", "ekin", "hasyl", "daýhan", "bag", "bakja",
    "süýt", "çörek", "balyk", "şeker", "çaý", "kümüş", "göwher", "merjen", "ýakut", "lagyl",
    "ak altyn", "gara altyn", "bilim", "ylym", "sungat", "kitap", "galam", "hünär", "önümçilik",
    "bina", "öý", "gül", "reýhan", "bossan", "ýaýla", "oba", "şäher", "ýurt", "il", "watan",
    "gadam", "dowam", "ynamly", "ygtybarly", "abadan", "asuda", "bagtly", "gujur", "güýç", "zehin",
    "akyl", "paýhas", "owaz", "saz", "dutar", "toý", "şatlyk", "joşgun", "ylalaşyk", "goldaw",
    "ynanç", "halal", "arassa", "tämiz", "lezzet", "tagam", "nygmat", "ak öý", "gök önüm",
    "ýaşaýyş", "durmuş", "rysgal", "döwür", "zaman", "nesil", "ýaşlyk", "batyr", "pälwan", "sowgat",
    "hazyna", "baýlyk", "gazna", "ussahana", "ýagşylyk", "Oguz", "Köpetdag", "Garagum", "Amyderýa",
    "Merw", "Jeýhun", "Ahal", "Çärjew", "Awaza", "Balkan", "Lebap", "Marguş", "Gonur", "Nusaý ýoly",
    "Dehistan", "Sarahs", "Abiwerd", "Görogly", "Oguzhan", "Gorkut", "Arkadag", "Hazar", "Murgap",
    "Altyn asyr", "Türkmen", "Parfiýa", "Köneürgenç", "Gökdepe", "Misgingylyç",
];

/// Loan words with their usual Cyrillic spelling (not a letter-by-letter one).
#[rustfmt::skip]
const LOANS: [(&str, &str); 44] = [
    ("Invest", "Инвест"), ("Tech", "Тех"), ("Logistics", "Логистикс"), ("Group", "Групп"),
    ("Trade", "Трейд"), ("Motors", "Моторс"), ("Global", "Глобал"), ("Servis", "Сервис"),
    ("Plus", "Плюс"), ("Stroý", "Строй"), ("Express", "Экспресс"), ("Agro", "Агро"),
    ("Media", "Медиа"), ("Consulting", "Консалтинг"), ("Energy", "Энерджи"), ("Telecom", "Телеком"),
    ("Pharma", "Фарма"), ("Food", "Фуд"), ("Systems", "Системс"), ("Solutions", "Солюшнс"),
    ("Engineering", "Инжиниринг"), ("Service", "Сервис"), ("Auto", "Авто"), ("Trans", "Транс"),
    ("Market", "Маркет"), ("Textile", "Текстиль"), ("Style", "Стиль"), ("Holding", "Холдинг"),
    ("Capital", "Капитал"), ("Import", "Импорт"), ("Export", "Экспорт"), ("Standard", "Стандарт"),
    ("Lux", "Люкс"), ("Prime", "Прайм"), ("Smart", "Смарт"), ("Euro", "Евро"),
    ("Digital", "Диджитал"), ("Design", "Дизайн"), ("Med", "Мед"), ("Oil", "Ойл"), ("Gas", "Газ"),
    ("Build", "Билд"), ("Center", "Центр"), ("Company", "Компани"),
];

/// Men's given names (also the fathers behind patronymics); common first.
#[rustfmt::skip]
const MALE_NAMES: &[&str] = &[
    "Aman", "Myrat", "Batyr", "Berdi", "Kerim", "Döwlet", "Oraz", "Öwez", "Serdar", "Merdan",
    "Rahman", "Arslan", "Begenç", "Perhat", "Maksat", "Kakajan", "Guwanç", "Atajan", "Ata",
    "Allaberdi", "Annaberdi", "Annamyrat", "Baýram", "Begli", "Çary", "Döwran", "Eziz", "Gurban",
    "Gylyç", "Hojamyrat", "Hydyr", "Ilaman", "Jumamyrat", "Kemal", "Meret", "Nury", "Nurmuhammet",
    "Orazberdi", "Pälwan", "Resul", "Röwşen", "Sapar", "Saparmyrat", "Süleýman", "Şamyrat", "Tagan",
    "Täçmyrat", "Wepa", "Ýazmyrat", "Ýusup", "Yhlas", "Agajan", "Akmyrat", "Allamyrat", "Amanmyrat",
    "Annageldi", "Ahmet", "Aýdogdy", "Baba", "Babamyrat", "Bahtiýar", "Bäşim", "Begmyrat",
    "Berdimyrat", "Bekmyrat", "Çarymyrat", "Daýanç", "Durdy", "Durdymyrat", "Emir", "Geldi",
    "Geldimyrat", "Gurbanmyrat", "Hally", "Hudaýberdi", "Hemra", "Ylýas", "Jepbar", "Jora",
    "Jumadurdy", "Kakamyrat", "Mämmet", "Mämmetdurdy", "Mekan", "Muhammet", "Myratberdi", "Nazar",
    "Nepes", "Nurberdi", "Orazmyrat", "Orazgeldi", "Öwezberdi", "Öwezmyrat", "Rejep", "Rüstem",
    "Sähet", "Seýit", "Seýitmyrat", "Soltan", "Şatlyk", "Şöhrat", "Tahyr", "Täşli", "Toýly", "Umyt",
    "Weli", "Ýagmyr", "Ýagşy", "Ýalkap", "Azat", "Gadam", "Gaýgysyz", "Halmyrat", "Hojageldi",
    "Ilmyrat", "Kadyr", "Nurgeldi", "Rahym", "Sapargeldi", "Şamämmet", "Tirkiş", "Töre", "Ýakup",
    "Yslam", "Gurbangeldi", "Atamyrat", "Ataberdi", "Garly", "Meýlis", "Nurmyrat", "Orazmuhammet",
    "Pena", "Sylap", "Bekdurdy", "Ýoldaş", "Baýramgeldi", "Annaguly", "Allaguly", "Berdiguly",
    "Gulmyrat", "Guly", "Sopy", "Halnazar", "Allanazar", "Öwezgeldi", "Döwletgeldi", "Esen",
    "Esenguly", "Ödeniýaz", "Kuwwat", "Mergen",
];

/// Women's given names; common first.
#[rustfmt::skip]
const FEMALE_NAMES: &[&str] = &[
    "Leýli", "Aýna", "Ogulgerek", "Jeren", "Maýsa", "Gülşat", "Gülnara", "Ene", "Enejan", "Mähri",
    "Ogulbibi", "Nurjemal", "Aýgül", "Sona", "Ogulşat", "Dursun", "Bibi", "Tylla", "Näzik", "Jahan",
    "Mähriban", "Selbi", "Sülgün", "Ýazgül", "Aýnabat", "Läle", "Gunça", "Merjen", "Mahym",
    "Ogulnabat", "Gülälek", "Bägül", "Ogulmaýa", "Şirin", "Güljan", "Amangül", "Bossan", "Täzegül",
    "Arzygül", "Aknabat", "Gyzlargül", "Altyngül", "Annagül", "Aýjemal", "Aýnur", "Bahargül",
    "Bibijan", "Bahar", "Dünýä", "Durdygül", "Enegül", "Gözel", "Gülbahar", "Gülnabat", "Gülbadam",
    "Gülzada", "Gülruh", "Hatyja", "Jemal", "Jennet", "Kumuş", "Leýla", "Mährijemal", "Maral",
    "Meňli", "Nabat", "Nargül", "Näzli", "Nurana", "Ogulbahar", "Ogulhan", "Ogulsona", "Oguljeren",
    "Oguljemal", "Ogulgurban", "Ogulnur", "Ogultäç", "Ogulşirin", "Orazgül", "Parahat", "Rozygül",
    "Sapargül", "Selbijan", "Şemşat", "Şasenem", "Täzebibi", "Tumar", "Zyba", "Zuhra", "Zöhre",
    "Zülfiýa", "Gurbanjemal", "Gurbangül", "Aýsoltan", "Akgül", "Akjemal", "Ajap", "Amanbibi",
    "Annabibi", "Annajemal", "Aýbölek", "Aýdyň", "Bibigül", "Bilbil", "Çemen", "Çynar", "Dilber",
    "Döwletgül", "Durna", "Gülşeker", "Gülbeşer", "Güler", "Jahangül", "Jemile", "Mahabat", "Mähek",
    "Medine", "Meretgül", "Nesibe", "Nurgül", "Nurbibi", "Oraznabat", "Perizat", "Sähra", "Saýra",
    "Şeker", "Tawus", "Ýaňyl", "Zeýnep", "Roza", "Gülälem", "Ogulgözel", "Aýperi", "Maýagözel",
    "Ogulabat", "Humar", "Gülasal", "Goşa", "Ejegyz", "Bägülbibi", "Durdynabat", "Gülnahal",
    "Jumagül", "Ogulkeýik", "Keýik", "Sähragül", "Mahymjemal", "Aýsenem",
];

/// Roots of family names (`Oraz` → `Orazow`, `Hoja` → `Hojaýew`); common
/// first, so a few surnames are shared by many entrepreneurs.
#[rustfmt::skip]
const SURNAME_ROOTS: &[&str] = &[
    "Oraz", "Öwez", "Mämmet", "Anna", "Hoja", "Berdi", "Ata", "Gurban", "Durdy", "Nazar", "Sapar",
    "Myrat", "Baýram", "Aman", "Ahmet", "Juma", "Rejep", "Hydyr", "Geldi", "Kerim", "Çary", "Tagan",
    "Kaka", "Baba", "Gylyç", "Halmyrat", "Ýazmyrat", "Annamyrat", "Meret", "Nurýagdy", "Rahman",
    "Sähet", "Täçmyrat", "Weli", "Ýagmyr", "Ýusup", "Guly", "Garry", "Hally", "Işan", "Molla",
    "Seýit", "Sopy", "Pirmuhammet", "Toýly", "Nepes", "Ilaman", "Orazgeldi", "Pälwan", "Begli",
    "Bekmyrat", "Allaberdi", "Hudaýberdi", "Kakabaý", "Ýagdy", "Baýly", "Babageldi", "Orazguly",
    "Orazdurdy", "Orazsähet", "Öwezgeldi", "Öwezdurdy", "Öwezguly", "Öwezmämmet", "Berdigeldi",
    "Berdidurdy", "Berdinazar", "Gurbangeldi", "Gurbandurdy", "Gurbanguly", "Gurbannazar",
    "Baýramdurdy", "Baýramguly", "Baýramnazar", "Atageldi", "Atadurdy", "Ataguly", "Atanazar",
    "Nurdurdy", "Nurguly", "Nurnazar", "Ýazdurdy", "Ýazguly", "Ýaznazar", "Hojadurdy", "Hojaguly",
    "Hojanazar", "Allageldi", "Alladurdy", "Kakageldi", "Kakadurdy", "Kakaguly", "Täçgeldi",
    "Täçdurdy", "Täçguly", "Täçnazar", "Babadurdy", "Babaguly", "Babanazar", "Amangeldi",
    "Amandurdy", "Amanguly", "Amannazar", "Annadurdy", "Annanazar", "Annasähet", "Annamämmet",
    "Begdurdy", "Begguly", "Begnazar", "Çarygeldi", "Çarydurdy", "Çaryguly", "Çarynazar",
    "Durdygeldi", "Durdyguly", "Durdynazar", "Geldinazar", "Geldiguly", "Geldidurdy", "Halguly",
    "Haldurdy", "Jumageldi", "Jumaguly", "Jumanazar", "Myratgeldi", "Myratguly", "Myratnazar",
    "Nepesguly", "Nepesgeldi", "Rejepguly", "Rejepdurdy", "Sähetguly", "Sähetdurdy", "Saparguly",
    "Sapardurdy", "Taganguly", "Tagandurdy", "Toýguly", "Toýdurdy", "Weliguly", "Welidurdy",
    "Ýagmyrguly", "Ýusupguly", "Hudaýguly", "Hudaýnazar", "Hudaýgeldi", "Pirguly", "Pirnazar",
    "Seýitguly", "Seýitnazar", "Soltanguly", "Soltannazar", "Mollaguly", "Mollanazar", "Mollanepes",
    "Işanguly", "Işangeldi", "Garrygeldi", "Garryguly", "Garly", "Gylyçguly", "Gylyçnazar",
    "Kerimguly", "Kerimberdi", "Bäşimguly", "Esenguly", "Esen", "Esenmyrat", "Esengeldi", "Tirkiş",
    "Batyr", "Döwlet", "Serdar", "Merdan", "Arslan", "Begenç", "Perhat", "Maksat", "Kakajan",
    "Guwanç", "Atajan", "Annaberdi", "Döwran", "Eziz", "Hojamyrat", "Jumamyrat", "Kemal", "Nury",
    "Nurmuhammet", "Orazberdi", "Resul", "Röwşen", "Saparmyrat", "Süleýman", "Şamyrat", "Wepa",
    "Yhlas", "Agajan", "Akmyrat", "Allamyrat", "Amanmyrat", "Annageldi", "Aýdogdy", "Babamyrat",
    "Bahtiýar", "Bäşim", "Begmyrat", "Berdimyrat", "Çarymyrat", "Daýanç", "Durdymyrat", "Emir",
    "Geldimyrat", "Gurbanmyrat", "Hemra", "Ylýas", "Jepbar", "Jora", "Jumadurdy", "Kakamyrat",
    "Mämmetdurdy", "Mekan", "Muhammet", "Myratberdi", "Nurberdi", "Orazmyrat", "Öwezberdi",
    "Öwezmyrat", "Rüstem", "Seýitmyrat", "Soltan", "Şatlyk", "Şöhrat", "Tahyr", "Täşli", "Umyt",
    "Ýagşy", "Ýalkap", "Azat", "Gadam", "Gaýgysyz", "Hojageldi", "Ilmyrat", "Kadyr", "Nurgeldi",
    "Rahym", "Sapargeldi", "Şamämmet", "Töre", "Ýakup", "Yslam", "Atamyrat", "Ataberdi", "Meýlis",
    "Nurmyrat", "Orazmuhammet", "Pena", "Sylap", "Bekdurdy", "Ýoldaş", "Baýramgeldi", "Annaguly",
    "Allaguly", "Berdiguly", "Gulmyrat", "Halnazar", "Allanazar", "Döwletgeldi", "Ödeniýaz",
    "Kuwwat", "Mergen", "Bally", "Çotbaý", "Garajaý", "Kösejaý", "Bekjaý", "Gaýyp", "Haýdar",
    "Jelil", "Kulyýaz", "Mülkaman", "Nobat", "Ödäý", "Polat", "Sary", "Şirmet", "Ussa", "Ýaryýew",
    "Zarp", "Agamyrat", "Bagşy", "Çaryýar",
];

/// Street names; the first 14 are avenues (`şaýoly`), the rest streets.
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Magtymguly", "Bitarap Türkmenistan", "Garaşsyzlyk", "Türkmenbaşy", "Görogly", "Oguzhan",
    "Atatürk", "Arçabil", "Çandybil", "Galkynyş", "Berkararlyk", "Bagtyýarlyk", "Köpetdag",
    "Gurbansoltan eje", "Azady", "Andalyp", "Kemine", "Seýdi", "Puşkin", "Nyýazow", "Mollanepes",
    "Zelili", "Şabende", "Nowaýy", "Parahat", "Gündogar", "Ýunus Emre", "Mätäji", "Misgingylyç",
    "Durdy Gylyç", "Şeýdaýy", "Baýram han", "Gorkut ata", "Alp Arslan", "Togrul beg",
    "Soltan Sanjar", "Tolstoý", "Lermontow", "Gogol", "Çehow", "Şewçenko", "Gagarin", "Lomonosow",
    "Mendeleýew", "Bahar", "Ýaşlyk", "Dostluk", "Sülgün", "Nurana", "Gülzemin", "Lälezar",
    "Bereket", "Ynam", "Altyn asyr", "Ak bugdaý", "Täze zaman", "Bagtyýar", "Ösüş", "Ylham",
    "Paýtagt", "Hazar", "Amyderýa", "Murgap", "Tejen", "Garagum", "Sumbar", "Kaka", "Nusaý", "Merw",
    "Gonur", "Daýhan", "Pagta", "Nebitçi", "Gurluşykçy", "Mugallym", "Lukman", "Bilim", "Sport",
    "Mekdep", "Bazar", "Wokzal", "Demirýol", "Howa menzili", "Aeroport", "Çeşme", "Gök bag",
    "Bagy Eram", "Ak öý", "Ata Gowşudow", "Hojaahmet Ýasawy", "Abdylla Ýasawy", "Şota Rustaweli",
    "Abaý", "Aýtmatow", "Nowruz", "Täzelikler", "Ýeňiş", "Ruhubelent", "Watan", "Gadamly", "1958",
    "2127", "1972", "1995", "Gazly", "Nebitdag", "Hangeldi", "Bitaraplyk", "Oraz Ýagmyr", "Kerki",
    "Saýat", "Farap", "Köşi", "Çoganly", "Bikrowa", "Berzeňňi", "Howdan", "Parahat-2", "Mir",
    "Ýyldyz", "Gypjak",
];

/// Avenues come first in `STREETS`.
const AVENUES: usize = 14;

/// A region: ISO code, names, and its towns with their Russian names; the
/// first town is the centre and the most frequent.
struct Region {
    code: &'static str,
    turkmen: &'static str,
    russian: &'static str,
    towns: &'static [(&'static str, &'static str)],
    weight: u32,
}

const REGIONS: [Region; 6] = [
    Region {
        code: "TM-A",
        turkmen: "Ahal",
        russian: "Ахал",
        towns: &[
            ("Änew", "Анев"),
            ("Tejen", "Теджен"),
            ("Gökdepe", "Гёкдепе"),
            ("Baharly", "Бахарлы"),
            ("Kaka", "Каахка"),
        ],
        weight: 12,
    },
    Region {
        code: "TM-B",
        turkmen: "Balkan",
        russian: "Балкан",
        towns: &[
            ("Balkanabat", "Балканабат"),
            ("Türkmenbaşy", "Туркменбаши"),
            ("Serdar", "Сердар"),
            ("Bereket", "Берекет"),
        ],
        weight: 10,
    },
    Region {
        code: "TM-D",
        turkmen: "Daşoguz",
        russian: "Дашогуз",
        towns: &[
            ("Daşoguz", "Дашогуз"),
            ("Köneürgenç", "Кёнеургенч"),
            ("Görogly", "Гёроглы"),
            ("Boldumsaz", "Болдумсаз"),
        ],
        weight: 13,
    },
    Region {
        code: "TM-L",
        turkmen: "Lebap",
        russian: "Лебап",
        towns: &[
            ("Türkmenabat", "Туркменабат"),
            ("Kerki", "Керки"),
            ("Seýdi", "Сейди"),
            ("Farap", "Фарап"),
            ("Saýat", "Сайат"),
        ],
        weight: 15,
    },
    Region {
        code: "TM-M",
        turkmen: "Mary",
        russian: "Мары",
        towns: &[
            ("Mary", "Мары"),
            ("Baýramaly", "Байрамали"),
            ("Ýolöten", "Иолотань"),
            ("Murgap", "Мургап"),
            ("Sakarçäge", "Сакарчага"),
        ],
        weight: 15,
    },
    Region {
        code: "TM-S",
        turkmen: "Aşgabat",
        russian: "Ашхабад",
        towns: &[("Aşgabat", "Ашхабад")],
        weight: 35,
    },
];

/// Index of Aşgabat in `REGIONS`.
const CAPITAL: u8 = 5;

/// NACE Rev. 2.1 classes with their weights in the population.
#[rustfmt::skip]
const ACTIVITIES: [(&str, u32); 62] = [
    ("01.11", 3), ("01.13", 3), ("01.41", 2), ("01.47", 1), ("03.11", 1), ("08.11", 1),
    ("10.11", 1), ("10.13", 1), ("10.51", 1), ("10.71", 3), ("10.82", 1), ("11.07", 1),
    ("13.20", 2), ("14.10", 2), ("15.20", 1), ("16.23", 1), ("20.41", 1), ("22.22", 1),
    ("23.61", 1), ("25.11", 1), ("33.12", 1), ("35.11", 1), ("41.00", 5), ("42.11", 2),
    ("43.21", 3), ("43.31", 2), ("43.99", 2), ("46.21", 2), ("46.31", 2), ("46.39", 4),
    ("46.73", 2), ("46.90", 4), ("47.11", 8), ("47.21", 2), ("47.24", 2), ("47.30", 2),
    ("47.51", 2), ("47.52", 2), ("47.71", 3), ("47.73", 3), ("49.32", 2), ("49.41", 5),
    ("52.10", 2), ("53.20", 1), ("55.10", 2), ("56.11", 4), ("58.11", 1), ("61.10", 1),
    ("62.10", 2), ("62.20", 2), ("64.19", 1), ("65.12", 1), ("68.20", 3), ("69.10", 2),
    ("69.20", 2), ("71.12", 2), ("73.11", 2), ("85.59", 2), ("86.21", 1), ("86.23", 1),
    ("94.99", 1), ("96.21", 2),
];

/// What entrepreneurs usually do.
#[rustfmt::skip]
const PERSON_ACTIVITIES: [(&str, u32); 14] = [
    ("47.11", 10), ("47.21", 4), ("47.24", 3), ("47.71", 5), ("49.32", 5), ("49.41", 5),
    ("56.11", 3), ("96.21", 4), ("01.13", 3), ("01.41", 3), ("43.21", 2), ("43.31", 2),
    ("85.59", 2), ("14.10", 2),
];

/// The legal forms fixture: codes, Turkmen and Russian names, abbreviations.
const LEGAL_FORMS: &str = include_str!("../../fixtures/legal_forms_tm.csv");

// ---------------------------------------------------------------------------
// Dates, as days since 1970-01-01

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
fn civil(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i32::from(m <= 2), m, d)
}

/// A date in either of the two accepted formats.
fn date_text(rng: &mut Rng, day: i32) -> String {
    let (y, m, d) = civil(day);
    if rng.chance(DMY_DATE_SHARE) {
        format!("{d:02}.{m:02}.{y}")
    } else {
        format!("{y}-{m:02}-{d:02}")
    }
}

/// First day of the registers' history.
fn history_start() -> i32 {
    days(1992, 1, 1)
}

/// The extraction date: nothing happens on or after it.
fn today() -> i32 {
    days(2025, 11, 1)
}

/// The survey reference year: statistics observes units alive before its end.
const REFERENCE_YEAR: i32 = 2024;

// ---------------------------------------------------------------------------
// Legal forms

/// One legal form of the fixture, its abbreviations split by script.
struct Form {
    code: &'static str,
    turkmen: &'static str,
    russian: &'static str,
    latin: Vec<&'static str>,
    cyrillic: Vec<&'static str>,
}

/// The legal forms, and the ones the population is built from.
struct Forms {
    all: Vec<Form>,
    firm: Vec<(usize, u32)>,
    person: usize,
    branch: usize,
    office: usize,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

impl Forms {
    /// Reads the fixture (`code,name_tk,name_ru,abbreviations,kind`).
    fn parse(text: &'static str) -> io::Result<Forms> {
        let mut lines = text.lines().filter(|line| !line.trim().is_empty());
        let header: Vec<&str> = lines
            .next()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .collect();
        let column = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .ok_or_else(|| invalid(format!("legal forms fixture lacks column {name}")))
        };
        let (code, tk, ru, abbr) = (
            column("code")?,
            column("name_tk")?,
            column("name_ru")?,
            column("abbreviations")?,
        );
        let mut all = Vec::new();
        for line in lines {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let get = |i: usize| fields.get(i).copied().unwrap_or("");
            let (cyrillic, latin) = get(abbr)
                .split('|')
                .filter(|a| !a.is_empty())
                .partition(|a| a.chars().any(is_cyrillic));
            all.push(Form {
                code: get(code),
                turkmen: get(tk),
                russian: get(ru),
                latin,
                cyrillic,
            });
        }
        let find = |code: &str| {
            all.iter()
                .position(|f| f.code == code)
                .ok_or_else(|| invalid(format!("legal forms fixture lacks code {code}")))
        };
        let firm: Vec<(usize, u32)> = FIRM_FORMS
            .iter()
            .filter_map(|&(c, w)| find(c).ok().map(|i| (i, w)))
            .collect();
        if firm.is_empty() {
            return Err(invalid(
                "legal forms fixture has no legal person form".into(),
            ));
        }
        let (person, branch, office) = (find("IE")?, find("FB")?, find("RO")?);
        Ok(Forms {
            all,
            firm,
            person,
            branch,
            office,
        })
    }
}

// ---------------------------------------------------------------------------
// The population

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Firm,
    Person,
    Branch,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Registered,
    InLiquidation,
    Liquidated,
    Reorganised,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Justice,
    Tax,
    Statistics,
}

/// A firm name: up to three words (see [`word_in`]) and an optional number
/// (`Önüm 4`).
#[derive(Clone, Copy)]
struct NameSpec {
    words: [u16; 3],
    len: u8,
    number: u16,
}

/// The name of entities that have none of their own (entrepreneurs).
const NO_NAME: NameSpec = NameSpec {
    words: [0; 3],
    len: 1,
    number: 0,
};

/// An entrepreneur: indexes into the name lists.
#[derive(Clone, Copy, Default)]
struct Person {
    surname: u16,
    given: u16,
    father: u16,
    female: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Address {
    region: u8,
    town: u8,
    street: u8,
    house: u16,
}

/// One entity of the truth: what it really is, and which sources see it.
struct Entity {
    kind: Kind,
    /// The number of its id; a branch shares its parent's and adds `B`.
    number: u32,
    /// The firm's name, or for a branch its parent's.
    name: NameSpec,
    /// The name before a rename, still used by slower sources.
    old_name: Option<NameSpec>,
    /// Whether tax still has the old name of a renamed firm.
    tax_has_old_name: bool,
    person: Person,
    form: usize,
    address: Address,
    /// An address before a move, and the one source that still has it.
    old_address: Option<(Address, Source)>,
    tin: Option<u64>,
    /// Where swapping two digits of the tin gives another entity's tin.
    twin_pos: Option<u8>,
    reg: Option<u32>,
    activity: &'static str,
    registered: i32,
    died: Option<i32>,
    status: Status,
    successor: Option<u32>,
    parent: Option<u32>,
    in_justice: bool,
    in_tax: bool,
    in_stats: bool,
    employees: u32,
    sector: &'static str,
}

/// The population and the forms it refers to.
struct World {
    seed: u64,
    forms: Forms,
    entities: Vec<Entity>,
}

/// Unique keys handed out so far.
#[derive(Default)]
struct Keys {
    tins: HashSet<u64>,
    regs: HashSet<u32>,
}

const TIN_SPACE: u64 = 1_000_000_000_000;

impl World {
    fn new(config: &Config, forms: Forms) -> World {
        let mut rng = Rng::new(config.seed);
        let common = CommonNames::new(config.seed);
        let mut keys = Keys::default();
        let mut entities: Vec<Entity> = Vec::with_capacity(config.entities);
        let mut number = 0u32;
        while entities.len() < config.entities {
            let last = entities.len().checked_sub(1);
            let branch_of =
                last.filter(|&i| entities[i].kind == Kind::Firm && rng.chance(BRANCH_SHARE));
            let entity = match branch_of {
                Some(parent) => {
                    entities[parent].in_justice = true;
                    new_branch(&mut rng, &forms, &entities[parent], parent)
                }
                None => {
                    number += 1;
                    if rng.chance(PERSON_SHARE) {
                        new_person(&mut rng, &forms, number - 1)
                    } else {
                        new_firm(&mut rng, &forms, &common, number - 1)
                    }
                }
            };
            entities.push(entity);
            assign_keys(&mut rng, &mut entities, &mut keys);
        }
        link_successors(&mut rng, &mut entities);
        World {
            seed: config.seed,
            forms,
            entities,
        }
    }
}

/// A firm name: one of the common names (`Bereket`, `Altyn Group`), whose
/// frequencies fall as Zipf's law has it, or else one composed afresh, which
/// is mostly one of a kind: a register's few very common names and its long
/// tail.
fn random_name(rng: &mut Rng, common: &CommonNames) -> NameSpec {
    if rng.chance(COMMON_NAME_SHARE) {
        common.draw(rng)
    } else {
        composed_name(rng)
    }
}

/// A name of two or three words, or a word or two numbered (`Azyk 57`,
/// `Altyn Group 12`). Its first word is a popular word half of the time and
/// any word or given name (`Merdan Trade`) otherwise; later words are drawn
/// evenly, which keeps most such names apart.
fn composed_name(rng: &mut Rng) -> NameSpec {
    let first = |rng: &mut Rng| {
        if rng.chance(0.5) {
            rng.skewed(WORDS.len()) as u16
        } else {
            match rng.below(WORDS.len() + GIVEN_NAMES) {
                word if word < WORDS.len() => word as u16,
                given => (given + LOANS.len()) as u16,
            }
        }
    };
    let any = |rng: &mut Rng| rng.below(WORDS.len()) as u16;
    let loan = |rng: &mut Rng| (WORDS.len() + rng.below(LOANS.len())) as u16;
    let mut name = NO_NAME;
    match rng.below(100) {
        0..=29 => {
            name.words = [first(rng), any(rng), 0];
            name.len = 2;
        }
        30..=44 => {
            name.words = [first(rng), loan(rng), 0];
            name.len = 2;
        }
        45..=69 => {
            let third = if rng.chance(0.5) { loan(rng) } else { any(rng) };
            name.words = [first(rng), any(rng), third];
            name.len = 3;
        }
        _ => {
            name.len = 1 + rng.below(2) as u8;
            name.words = [first(rng), loan(rng), 0];
            // Up to 999, not 99: `Ynam 12` would otherwise be as common as
            // a common name.
            name.number = 1 + rng.below(999) as u16;
        }
    }
    name
}

/// The names many unrelated firms share, most common first, with the
/// cumulative weights that draw them.
struct CommonNames {
    names: Vec<NameSpec>,
    /// Running sums of each name's weight, 2^40 / (rank + ZIPF_OFFSET): in
    /// integers, so that every platform draws the same.
    cumulative: Vec<u64>,
}

impl CommonNames {
    /// The popular words alone first (`Bereket`, `Ynam`, …), then single
    /// words and composed names, each name once.
    fn new(seed: u64) -> CommonNames {
        let mut rng = Rng::stream(seed, 0, COMMON_NAMES_STREAM);
        let mut seen: HashSet<String> = HashSet::with_capacity(COMMON_NAMES);
        let mut names = Vec::with_capacity(COMMON_NAMES);
        let mut next = 0;
        while names.len() < COMMON_NAMES {
            let name = if next < POPULAR_WORDS {
                next += 1;
                NameSpec {
                    words: [next as u16 - 1, 0, 0],
                    ..NO_NAME
                }
            } else if rng.chance(0.2) {
                // Some less popular words alone are common names too (`Lale`).
                NameSpec {
                    words: [rng.skewed(WORDS.len()) as u16, 0, 0],
                    ..NO_NAME
                }
            } else {
                composed_name(&mut rng)
            };
            if seen.insert(firm_canonical(&name).to_lowercase()) {
                names.push(name);
            }
        }
        let mut total = 0u64;
        let cumulative = (0..COMMON_NAMES as u64)
            .map(|rank| {
                total += (1u64 << 40) / (rank + 1 + ZIPF_OFFSET);
                total
            })
            .collect();
        CommonNames { names, cumulative }
    }

    /// A name, by its weight.
    fn draw(&self, rng: &mut Rng) -> NameSpec {
        let total = self.cumulative[self.cumulative.len() - 1];
        let r = ((u128::from(rng.next()) * u128::from(total)) >> 64) as u64;
        let rank = self.cumulative.partition_point(|&sum| sum <= r);
        self.names[rank.min(self.names.len() - 1)]
    }
}

fn random_address(rng: &mut Rng, region: usize) -> Address {
    let towns = REGIONS[region].towns.len();
    let town = if rng.chance(0.6) { 0 } else { rng.below(towns) };
    Address {
        region: region as u8,
        town: town as u8,
        street: rng.skewed(STREETS.len()) as u8,
        house: 1 + rng.below(300) as u16,
    }
}

fn random_region(rng: &mut Rng) -> usize {
    let weights: Vec<(usize, u32)> = REGIONS
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.weight))
        .collect();
    rng.weighted(&weights)
}

/// The same entity with the fields every kind has, from a fresh draw.
fn base(rng: &mut Rng, kind: Kind, number: u32, form: usize, activity: &'static str) -> Entity {
    let region = random_region(rng);
    let address = random_address(rng, region);
    let old_address = rng.chance(MOVED_SHARE).then(|| {
        let from = if rng.chance(0.7) {
            region
        } else {
            random_region(rng)
        };
        let stale = rng.weighted(&[
            (Source::Statistics, 50),
            (Source::Tax, 35),
            (Source::Justice, 15),
        ]);
        (random_address(rng, from), stale)
    });
    let span = (today() - 1 - history_start()) as f64;
    let u = rng.unit();
    let registered = today() - 1 - (span * u * u) as i32;
    let died = rng
        .chance(DEAD_SHARE)
        .then(|| registered + 1 + rng.below((today() - 1 - registered).max(1) as usize) as i32);
    Entity {
        kind,
        number,
        name: NO_NAME,
        old_name: None,
        tax_has_old_name: false,
        person: Person::default(),
        form,
        address,
        old_address,
        tin: None,
        twin_pos: None,
        reg: None,
        activity,
        registered,
        died: died.filter(|&d| d < today()),
        status: Status::Registered,
        successor: None,
        parent: None,
        in_justice: false,
        in_tax: false,
        in_stats: false,
        employees: 1,
        sector: "S11",
    }
}

fn new_firm(rng: &mut Rng, forms: &Forms, common: &CommonNames, number: u32) -> Entity {
    let form = rng.weighted(&forms.firm);
    let activity = rng.weighted(&ACTIVITIES);
    let mut e = base(rng, Kind::Firm, number, form, activity);
    e.name = random_name(rng, common);
    if rng.chance(RENAMED_SHARE) {
        e.old_name = Some(random_name(rng, common));
        e.tax_has_old_name = rng.chance(0.5);
    }
    e.status = match e.died {
        Some(_) if rng.chance(REORGANISED_SHARE_OF_DEAD) => Status::Reorganised,
        Some(_) => Status::Liquidated,
        None if rng.chance(IN_LIQUIDATION_SHARE) => Status::InLiquidation,
        None => Status::Registered,
    };
    e.in_justice = rng.chance(JUSTICE_COVERAGE);
    // An entity nobody has a row for would only pad the truth.
    e.in_tax = rng.chance(TAX_COVERAGE) || !e.in_justice;
    e.in_stats = observed(rng, &e, STATS_COVERAGE);
    e.employees = employees(rng, false);
    let code = forms.all[form].code;
    e.sector = match &activity[..2] {
        "64" | "65" | "66" => "S12",
        _ if code == "PA" => "S15",
        _ if code == "SE" && rng.chance(0.3) => "S13",
        _ => "S11",
    };
    e
}

fn new_person(rng: &mut Rng, forms: &Forms, number: u32) -> Entity {
    let activity = rng.weighted(&PERSON_ACTIVITIES);
    let mut e = base(rng, Kind::Person, number, forms.person, activity);
    let female = rng.chance(0.35);
    let given = if female {
        rng.skewed(FEMALE_NAMES.len())
    } else {
        rng.skewed(MALE_NAMES.len())
    };
    e.person = Person {
        surname: rng.skewed(SURNAME_ROOTS.len()) as u16,
        given: given as u16,
        father: rng.skewed(MALE_NAMES.len()) as u16,
        female,
    };
    e.in_tax = true;
    e.in_stats = observed(rng, &e, STATS_COVERAGE);
    e.employees = employees(rng, true);
    e.sector = "S14";
    e
}

fn new_branch(rng: &mut Rng, forms: &Forms, parent: &Entity, parent_index: usize) -> Entity {
    let form = if rng.chance(0.7) {
        forms.branch
    } else {
        forms.office
    };
    let mut e = base(rng, Kind::Branch, parent.number, form, parent.activity);
    e.name = parent.name;
    e.parent = Some(parent_index as u32);
    let end = parent.died.unwrap_or(today());
    e.registered = parent.registered + rng.below((end - parent.registered).max(1) as usize) as i32;
    // A branch closes with its parent, or on its own like anything else.
    e.died = parent.died.or(e.died.filter(|&d| d > e.registered));
    e.status = if e.died.is_some() {
        Status::Liquidated
    } else {
        Status::Registered
    };
    e.in_justice = true;
    e.in_stats = observed(rng, &e, STATS_BRANCH_COVERAGE);
    e.employees = employees(rng, false);
    e
}

/// Whether the survey of the reference year observes the entity.
fn observed(rng: &mut Rng, e: &Entity, share: f64) -> bool {
    let year_end = days(REFERENCE_YEAR + 1, 1, 1);
    e.died.is_none() && e.registered < year_end && rng.chance(share)
}

/// Persons employed, with integer draws only so that files match everywhere.
fn employees(rng: &mut Rng, person: bool) -> u32 {
    if person {
        return 1 + rng.skewed(6) as u32;
    }
    let digits = rng.weighted(&[(1u32, 50), (2, 35), (3, 12), (4, 3)]);
    let low = 10u32.pow(digits - 1);
    low + rng.below((9 * low) as usize) as u32
}

/// Gives the newest entity its tin and reg_number, unique in the population.
fn assign_keys(rng: &mut Rng, entities: &mut [Entity], keys: &mut Keys) {
    let index = entities.len() - 1;
    let kind = entities[index].kind;
    if kind != Kind::Person {
        let reg = loop {
            let candidate = rng.below(8) as u32 * 10_000_000 + rng.below(10_000_000) as u32;
            if keys.regs.insert(candidate) {
                break candidate;
            }
        };
        entities[index].reg = Some(reg);
    }
    if kind == Kind::Branch {
        return;
    }
    if index > 0 && rng.chance(TIN_TWIN_SHARE) {
        let other = rng.below(index);
        if let (Some(tin), None) = (entities[other].tin, entities[other].twin_pos) {
            let pos = rng.below(11);
            let twin = swap_digits(tin, pos);
            if twin != tin && keys.tins.insert(twin) {
                entities[index].tin = Some(twin);
                entities[index].twin_pos = Some(pos as u8);
                entities[other].twin_pos = Some(pos as u8);
                return;
            }
        }
    }
    let tin = loop {
        let candidate = rng.next() % TIN_SPACE;
        if keys.tins.insert(candidate) {
            break candidate;
        }
    };
    entities[index].tin = Some(tin);
}

/// A tin with the digits at `pos` and `pos + 1` (of its 12) swapped.
fn swap_digits(tin: u64, pos: usize) -> u64 {
    let mut digits = format!("{tin:012}").into_bytes();
    digits.swap(pos, pos + 1);
    digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0'))
}

/// Points every reorganised firm at a live firm in justice that took it over.
fn link_successors(rng: &mut Rng, entities: &mut [Entity]) {
    for i in 0..entities.len() {
        if entities[i].status != Status::Reorganised {
            continue;
        }
        let successor = (0..64).map(|_| rng.below(entities.len())).find(|&j| {
            let s = &entities[j];
            j != i && s.kind == Kind::Firm && s.died.is_none() && s.in_justice
        });
        match successor {
            Some(j) => entities[i].successor = Some(j as u32),
            None => entities[i].status = Status::Liquidated,
        }
    }
}

// ---------------------------------------------------------------------------
// Scripts and spelling

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Turkmen Latin with its letters.
    Latin,
    /// Russian-style Cyrillic, plain Russian letters.
    Russian,
    /// Turkmen Cyrillic (ә ө ү ң җ), as in older records.
    TurkmenCyrillic,
    /// Latin without diacritics: `Sohrat`.
    Ascii,
    /// Latin without diacritics, digraphs for ş ç ž: `Shohrat`.
    AsciiDigraph,
}

impl Script {
    fn cyrillic(self) -> bool {
        matches!(self, Script::Russian | Script::TurkmenCyrillic)
    }

    /// Writes Turkmen Latin text in this script.
    fn render(self, text: &str) -> String {
        match self {
            Script::Latin => text.to_string(),
            Script::Russian => to_cyrillic(text, false),
            Script::TurkmenCyrillic => to_cyrillic(text, true),
            Script::Ascii => to_ascii(text, false),
            Script::AsciiDigraph => to_ascii(text, true),
        }
    }
}

#[derive(Clone, Copy)]
enum Case {
    Keep,
    Title,
    Upper,
    Lower,
}

#[derive(Clone, Copy)]
enum Placement {
    Before,
    After,
    Absent,
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Pushes `mapped` for a source letter: capitalised if the letter was, all
/// in capitals inside an all-caps word (`J` → `Дж`, but `JEÝHUN` → `ДЖЕЙХУН`).
fn push_cased(out: &mut String, mapped: &str, upper: bool, shout: bool) {
    if !upper {
        out.push_str(mapped);
    } else if shout {
        out.extend(mapped.chars().flat_map(char::to_uppercase));
    } else {
        let mut chars = mapped.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
}

/// Whether the letter at `i` is a capital inside an all-caps word.
fn shouting(chars: &[char], i: usize, step: usize) -> bool {
    let next = chars.get(i + step).is_some_and(|c| c.is_uppercase());
    let prev = i > 0 && chars[i - 1].is_uppercase();
    next || prev
}

/// A Turkmen Latin name as Russian extracts write it, word by word: loan
/// words keep their usual spelling (`Group` → `Групп`), the rest goes
/// letter by letter. For other benches' query writers.
pub fn to_russian(text: &str) -> String {
    text.split(' ')
        .map(
            |word| match LOANS.iter().find(|(latin, _)| *latin == word) {
                Some((_, cyrillic)) => (*cyrillic).to_owned(),
                None => to_cyrillic(word, false),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a word is one of the loan words (`Group`, `Engineering`), as the
/// canonical name writes it (for other benches' query writers).
pub fn is_loan(word: &str) -> bool {
    LOANS.iter().any(|(latin, _)| *latin == word)
}

/// A letter in lower case (for other benches' query writers too).
pub fn lower_letter(c: char) -> char {
    lower(c)
}

/// Transliterates Turkmen Latin into Cyrillic: Russian-style (what Russian
/// extracts use: ä→а, ö→о/ё, ü→у/ю, ň→н, j→дж) or Turkmen Cyrillic.
fn to_cyrillic(text: &str, turkmen: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let l = lower(c);
        let prev = (i > 0).then(|| lower(chars[i - 1]));
        let next = chars.get(i + 1).map(|&n| lower(n));
        // ý before a vowel is one iotated letter: ýa → я, ýu → ю, ýe → е.
        let iotated = match (l, next) {
            ('ý', Some('a')) => Some("я"),
            ('ý', Some('u')) => Some("ю"),
            ('ý', Some('ü')) if !turkmen => Some("ю"),
            ('ý', Some('e')) => Some("е"),
            _ => None,
        };
        let step = if iotated.is_some() { 2 } else { 1 };
        match iotated.or_else(|| cyrillic_letter(l, prev, turkmen)) {
            Some(mapped) => push_cased(&mut out, mapped, c != l, shouting(&chars, i, step)),
            None => out.push(c),
        }
        i += step;
    }
    out
}

/// The Cyrillic for one lower-case Latin letter after `prev`; None for
/// anything that is not a Latin letter.
fn cyrillic_letter(l: char, prev: Option<char>, turkmen: bool) -> Option<&'static str> {
    let start = prev.is_none_or(|p| !p.is_alphabetic());
    // Russian spelling softens ü after g, k, l (Гюндогар) and ö after g (Гёкдепе).
    let soft = matches!(prev, Some('g' | 'k' | 'l'));
    Some(match l {
        'a' => "а",
        'b' => "б",
        'ç' => "ч",
        'd' => "д",
        'e' if start => "э",
        'e' => "е",
        'ä' if turkmen => "ә",
        'ä' => "а",
        'f' => "ф",
        'g' => "г",
        'h' => "х",
        'i' => "и",
        'j' if turkmen => "җ",
        'j' => "дж",
        'ž' => "ж",
        'k' => "к",
        'l' => "л",
        'm' => "м",
        'n' => "н",
        'ň' if turkmen => "ң",
        'ň' => "н",
        'o' => "о",
        'ö' if turkmen => "ө",
        'ö' if prev == Some('g') => "ё",
        'ö' => "о",
        'p' => "п",
        'r' => "р",
        's' => "с",
        'ş' => "ш",
        't' => "т",
        'u' => "у",
        'ü' if turkmen => "ү",
        'ü' if soft => "ю",
        'ü' => "у",
        'w' | 'v' => "в",
        'y' => "ы",
        'ý' => "й",
        'z' => "з",
        'c' => "ц",
        'q' => "к",
        'x' => "кс",
        _ => return None,
    })
}

/// Strips Turkmen diacritics: `Şöhrat` → `Sohrat`, or with digraphs `Shohrat`.
fn to_ascii(text: &str, digraphs: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        let l = lower(c);
        let mapped = match l {
            'ç' if digraphs => "ch",
            'ş' if digraphs => "sh",
            'ž' if digraphs => "zh",
            'ç' => "c",
            'ş' => "s",
            'ž' => "z",
            'ä' => "a",
            'ö' => "o",
            'ü' => "u",
            'ň' => "n",
            'ý' => "y",
            _ => {
                out.push(c);
                continue;
            }
        };
        push_cased(&mut out, mapped, c != l, shouting(&chars, i, 1));
    }
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn title_case(text: &str) -> String {
    text.split(' ')
        .map(capitalise)
        .collect::<Vec<_>>()
        .join(" ")
}

/// One typo: a letter substituted, deleted, or swapped with the next one.
fn typo(rng: &mut Rng, text: &str) -> String {
    const LATIN: &[char] = &[
        'a', 'b', 'd', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'r', 's', 't', 'u', 'y', 'ý',
        'ä', 'ü',
    ];
    const CYRILLIC: &[char] = &[
        'а', 'б', 'г', 'д', 'е', 'и', 'к', 'л', 'м', 'н', 'о', 'р', 'с', 'т', 'у', 'ы', 'й', 'х',
    ];
    let mut chars: Vec<char> = text.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.len() < 4 {
        return text.to_string();
    }
    let i = *rng.pick(&letters);
    let swappable = chars
        .get(i + 1)
        .is_some_and(|c| c.is_alphabetic() && *c != chars[i]);
    match rng.below(3) {
        0 => {
            chars.remove(i);
        }
        1 if swappable => chars.swap(i, i + 1),
        _ => {
            let alphabet = if is_cyrillic(chars[i]) {
                CYRILLIC
            } else {
                LATIN
            };
            let replacement = *rng.pick(alphabet);
            let replacement = if chars[i].is_uppercase() {
                replacement.to_uppercase().next().unwrap_or(replacement)
            } else {
                replacement
            };
            chars[i] = if replacement == chars[i] {
                alphabet[0]
            } else {
                replacement
            };
        }
    }
    chars.into_iter().collect()
}

/// Two adjacent words written as one (`Altyn ýyldyz` → `Altynýyldyz`).
fn run_together(rng: &mut Rng, text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    if words.len() < 2 {
        return text.to_string();
    }
    let k = rng.below(words.len() - 1);
    let mut out = words[..=k].join(" ");
    out.extend(words[k + 1].chars().map(lower));
    for word in &words[k + 2..] {
        out.push(' ');
        out.push_str(word);
    }
    out
}

/// Row-level spelling noise on the name itself.
fn mangle(rng: &mut Rng, text: String) -> String {
    let text = if rng.chance(RUN_TOGETHER_SHARE) {
        run_together(rng, &text)
    } else {
        text
    };
    if rng.chance(TYPO_SHARE) {
        typo(rng, &text)
    } else {
        text
    }
}

/// Stray spaces, as data entry leaves them.
fn space_noise(rng: &mut Rng, text: String) -> String {
    if !rng.chance(SPACE_NOISE_SHARE) {
        return text;
    }
    match rng.below(3) {
        0 => format!("  {text} "),
        1 => text.replacen(' ', "  ", 1),
        _ => format!("{text} "),
    }
}

fn quote(rng: &mut Rng, text: &str) -> String {
    let (open, close) = rng.weighted(&QUOTES);
    format!("{open}{text}{close}")
}

// ---------------------------------------------------------------------------
// Names

/// A word of a name in the given script: of `WORDS`, then `LOANS` (which
/// keep their own Cyrillic), then the given names of `MALE_NAMES` and
/// `FEMALE_NAMES`.
fn word_in(index: u16, script: Script) -> String {
    let index = index as usize;
    let Some(loan) = index.checked_sub(WORDS.len()) else {
        return script.render(WORDS[index]);
    };
    let Some(given) = loan.checked_sub(LOANS.len()) else {
        return if script.cyrillic() {
            LOANS[loan].1.to_string()
        } else {
            script.render(LOANS[loan].0)
        };
    };
    match given.checked_sub(MALE_NAMES.len()) {
        Some(female) => script.render(FEMALE_NAMES[female]),
        None => script.render(MALE_NAMES[given]),
    }
}

/// The plain name in a script, capitalised like its canonical form.
fn firm_core(name: &NameSpec, script: Script) -> String {
    let mut words: Vec<String> = name.words[..name.len as usize]
        .iter()
        .map(|&w| word_in(w, script))
        .collect();
    if name.number > 0 {
        words.push(name.number.to_string());
    }
    capitalise(&words.join(" "))
}

/// The canonical (Turkmen Latin) name of a firm.
fn firm_canonical(name: &NameSpec) -> String {
    firm_core(name, Script::Latin)
}

/// A surname: `Oraz` → `Orazow`/`Orazowa`, `Hoja` → `Hojaýew`/`Hojaýewa`,
/// with the final t and ç voiced (`Myradow`, `Begenjow`).
fn surname(root: &str, female: bool) -> String {
    let ending = match root.chars().last() {
        Some('a' | 'e' | 'i' | 'y' | 'u' | 'ä' | 'ö' | 'ü') => "ýew",
        Some('ý') => "ew",
        _ => "ow",
    };
    let mut s = voiced(root);
    s.push_str(ending);
    if female {
        s.push('a');
    }
    s
}

/// A patronymic: `Berdi` → `Berdiýewiç`/`Berdiýewna`, `Myrat` → `Myradowiç`.
fn patronymic(father: &str, female: bool) -> String {
    let base = surname(father, false);
    format!("{base}{}", if female { "na" } else { "iç" })
}

fn voiced(root: &str) -> String {
    match root.strip_suffix('t') {
        Some(stem) => format!("{stem}d"),
        None => match root.strip_suffix('ç') {
            Some(stem) => format!("{stem}j"),
            None => root.to_string(),
        },
    }
}

/// An entrepreneur's surname, given name and patronymic in Turkmen Latin.
fn person_parts(p: &Person) -> [String; 3] {
    let given = if p.female {
        FEMALE_NAMES[p.given as usize]
    } else {
        MALE_NAMES[p.given as usize]
    };
    [
        surname(SURNAME_ROOTS[p.surname as usize], p.female),
        given.to_string(),
        patronymic(MALE_NAMES[p.father as usize], p.female),
    ]
}

fn person_canonical(p: &Person) -> String {
    person_parts(p).join(" ")
}

fn initial(word: &str) -> String {
    word.chars()
        .next()
        .map(|c| format!("{c}."))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Rendering rows

impl World {
    fn form(&self, e: &Entity) -> &Form {
        &self.forms.all[e.form]
    }

    fn id(&self, e: &Entity) -> String {
        let suffix = if e.kind == Kind::Branch { "B" } else { "" };
        format!("E{:07}{suffix}", e.number)
    }

    fn reg_text(reg: u32) -> String {
        let letter = (b'A' + (reg / 10_000_000) as u8) as char;
        format!("{letter}{:07}", reg % 10_000_000)
    }

    /// The legal form as a writer of this script puts it in a name.
    fn form_text(&self, rng: &mut Rng, form: &Form, script: Script) -> String {
        let ascii = matches!(script, Script::Ascii | Script::AsciiDigraph);
        let russian = !ascii && (script.cyrillic() != rng.chance(MIXED_FORM_SHARE));
        let (full, abbreviations) = if russian {
            (form.russian, &form.cyrillic)
        } else {
            (form.turkmen, &form.latin)
        };
        let text = if !abbreviations.is_empty() && rng.chance(0.55) {
            // The first abbreviation is the usual one.
            let index = if rng.chance(0.75) {
                0
            } else {
                rng.below(abbreviations.len())
            };
            abbreviations[index].to_string()
        } else if rng.chance(0.3) {
            full.to_lowercase()
        } else {
            full.to_string()
        };
        if ascii {
            script.render(&text)
        } else {
            text
        }
    }

    /// A firm's name as one row writes it.
    fn firm_text(
        &self,
        rng: &mut Rng,
        name: &NameSpec,
        form: &Form,
        script: Script,
        source: Source,
    ) -> String {
        let core = mangle(rng, firm_core(name, script));
        let case = rng.weighted(&CASES);
        let core = if let Case::Title = case {
            title_case(&core)
        } else {
            core
        };
        let quoted = quote(rng, &core);
        let placement = if source == Source::Justice {
            &JUSTICE_PLACEMENT
        } else {
            &OTHER_PLACEMENT
        };
        let text = match rng.weighted(placement) {
            Placement::Before => format!("{} {quoted}", self.form_text(rng, form, script)),
            Placement::After => format!("{quoted} {}", self.form_text(rng, form, script)),
            Placement::Absent => quoted,
        };
        let text = match case {
            Case::Upper => text.to_uppercase(),
            Case::Lower => text.to_lowercase(),
            _ => text,
        };
        space_noise(rng, text)
    }

    /// A branch's name: after its parent, `Maglumat şahamçasy` or
    /// `Филиал ХО «Маглумат»`.
    fn branch_text(&self, rng: &mut Rng, e: &Entity, script: Script) -> String {
        let parent = &self.forms.all[self.entities[e.parent.unwrap_or(0) as usize].form];
        let office = e.form == self.forms.office;
        let core = mangle(rng, firm_core(&e.name, script));
        let text = if script.cyrillic() {
            let what = if office {
                "Представительство"
            } else {
                "Филиал"
            };
            match (rng.below(3), parent.cyrillic.first()) {
                (0, Some(abbr)) => format!("{what} {abbr} «{core}»"),
                (1, _) => format!("{what} {}", quote(rng, &core)),
                _ => format!(
                    "{core} {}",
                    script.render(if office { "wekilhanasy" } else { "şahamçasy" })
                ),
            }
        } else {
            let suffix = script.render(if office { "wekilhanasy" } else { "şahamçasy" });
            match (rng.below(3), parent.latin.first()) {
                (0, Some(abbr)) => {
                    format!("{} {} {suffix}", quote(rng, &core), script.render(abbr))
                }
                (1, _) => format!("{} {suffix}", quote(rng, &core)),
                _ => format!("{core} {suffix}"),
            }
        };
        match rng.below(100) {
            0..=14 => text.to_uppercase(),
            15..=19 => text.to_lowercase(),
            _ => text,
        }
    }

    /// An entrepreneur as one row writes them: full, with initials, with or
    /// without `ÝT`/`ИП`, in any script (`ИП Оразов А.Б.`, `A. Orazow`).
    fn person_text(&self, rng: &mut Rng, p: &Person, script: Script) -> String {
        let [s, g, f] = person_parts(p).map(|part| script.render(&part));
        let name = match rng.below(100) {
            0..=34 => format!("{s} {g} {f}"),
            35..=46 => format!("{s} {g}"),
            47..=66 => format!("{s} {}{}", initial(&g), initial(&f)),
            67..=74 => format!("{s} {}", initial(&g)),
            75..=82 => format!("{} {s}", initial(&g)),
            83..=89 => format!("{}{} {s}", initial(&g), initial(&f)),
            90..=94 => format!("{s} {} {}", initial(&g), initial(&f)),
            _ => format!("{g} {s}"),
        };
        let name = mangle(rng, name);
        let form = &self.forms.all[self.forms.person];
        let prefix = match (rng.below(100), script.cyrillic()) {
            (0..=49, _) => String::new(),
            (50..=79, _) => self.form_text(rng, form, script),
            (80..=91, true) => form.russian.to_string(),
            (80..=91, false) => script.render(form.turkmen),
            (_, true) => "И.П.".to_string(),
            (_, false) => script.render("Ý.T."),
        };
        let text = match (prefix.is_empty(), rng.chance(0.8)) {
            (true, _) => name,
            (false, true) => format!("{prefix} {name}"),
            (false, false) => format!("{name} {prefix}"),
        };
        let text = if rng.chance(0.1) {
            text.to_uppercase()
        } else {
            text
        };
        space_noise(rng, text)
    }

    /// The entity's name as a row of `source` writes it.
    fn name_text(&self, rng: &mut Rng, e: &Entity, source: Source, script: Script) -> String {
        match e.kind {
            Kind::Person => self.person_text(rng, &e.person, script),
            Kind::Branch => self.branch_text(rng, e, script),
            Kind::Firm => {
                let stale = match source {
                    Source::Justice => false,
                    Source::Tax => e.tax_has_old_name,
                    Source::Statistics => true,
                };
                let name = if stale {
                    e.old_name.as_ref().unwrap_or(&e.name)
                } else {
                    &e.name
                };
                self.firm_text(rng, name, self.form(e), script, source)
            }
        }
    }

    /// The address a source has for the entity: the old one if it is stale.
    fn address_for(e: &Entity, source: Source) -> Address {
        match e.old_address {
            Some((old, stale)) if stale == source => old,
            _ => e.address,
        }
    }

    /// An address as one row writes it, house number sometimes off or missing.
    fn address_text(rng: &mut Rng, a: Address, script: Script) -> String {
        let (town_latin, town_russian) = REGIONS[a.region as usize].towns[a.town as usize];
        let street = STREETS[a.street as usize];
        let avenue = (a.street as usize) < AVENUES;
        let house = if rng.chance(HOUSE_MISSING_SHARE) {
            String::new()
        } else if rng.chance(HOUSE_OFF_BY_ONE_SHARE) {
            (if a.house > 1 && rng.chance(0.5) {
                a.house - 1
            } else {
                a.house + 1
            })
            .to_string()
        } else {
            a.house.to_string()
        };
        let script = if rng.chance(ADDRESS_SCRIPT_SWITCH_SHARE) {
            Script::Latin
        } else {
            script
        };
        if script.cyrillic() {
            let street = script.render(street);
            return match rng.below(3) {
                0 => format!(
                    "г. {town_russian}, {} {street}, {house}",
                    if avenue { "просп." } else { "ул." }
                ),
                1 => format!(
                    "{town_russian}, {street} {}, д.{house}",
                    script.render(if avenue { "şaýoly" } else { "köçesi" })
                ),
                _ => format!("{town_russian}, ул. {street}, д. {house}"),
            };
        }
        let kind = if avenue { "şaýoly" } else { "köçesi" };
        let short = if avenue { "şaýoly" } else { "köç." };
        let text = match rng.below(10) {
            0..=2 => format!("{town_latin} ş., {street} {short}, {house}"),
            3 => format!("{town_latin} ş., {street} {kind} {house}"),
            4..=6 => format!("{town_latin}, {street} {kind}, jaý {house}"),
            // Aşgabat is a city with the status of a region, not a welaýat.
            7 if a.region != CAPITAL => {
                format!(
                    "{} welaýaty, {town_latin} ş., {street} {kind}, {house}",
                    REGIONS[a.region as usize].turkmen
                )
            }
            _ if house.is_empty() => format!("{street}, {town_latin}"),
            _ => format!("{street} {house}, {town_latin}"),
        };
        script.render(&text)
    }

    /// The region column: code, name in the row's script, or empty.
    fn region_text(rng: &mut Rng, region: u8, script: Script) -> String {
        let r = &REGIONS[region as usize];
        if rng.chance(REGION_EMPTY_SHARE) {
            String::new()
        } else if rng.chance(0.42) {
            r.code.to_string()
        } else if script.cyrillic() {
            r.russian.to_string()
        } else {
            script.render(r.turkmen)
        }
    }

    /// A tin as written outside tax: rarely with two adjacent digits swapped,
    /// at the twin's position when there is one.
    fn written_tin(rng: &mut Rng, e: &Entity) -> String {
        let Some(tin) = e.tin else {
            return String::new();
        };
        if !rng.chance(TIN_TYPO_SHARE) {
            return format!("{tin:012}");
        }
        let pos = match e.twin_pos {
            Some(pos) => pos as usize,
            None => rng.below(11),
        };
        let mut swapped = swap_digits(tin, pos);
        if swapped == tin {
            // Equal digits there: swap the first differing pair instead.
            if let Some(p) = (0..11).find(|&p| swap_digits(tin, p) != tin) {
                swapped = swap_digits(tin, p);
            }
        }
        format!("{swapped:012}")
    }

    /// An activity code at `level` 2 (`47`), 3 (`47.1`), 4 (`47.11`) or 5 (`4711`).
    fn activity_text(code: &str, level: u8) -> String {
        match level {
            2 => code[..2].to_string(),
            3 => code[..4].to_string(),
            5 => code.replace('.', ""),
            _ => code.to_string(),
        }
    }

    /// Another class, of the same division when the list has one.
    fn other_activity(rng: &mut Rng, code: &str, same_division: bool) -> &'static str {
        let candidates: Vec<&'static str> = ACTIVITIES
            .iter()
            .map(|a| a.0)
            .filter(|c| *c != code && (!same_division || c[..2] == code[..2]))
            .collect();
        if candidates.is_empty() {
            ACTIVITIES[rng.below(ACTIVITIES.len())].0
        } else {
            candidates[rng.below(candidates.len())]
        }
    }
}

// ---------------------------------------------------------------------------
// Writing files

/// A CSV file written row by row, quoting only where RFC 4180 needs it.
struct Csv {
    out: BufWriter<File>,
    delimiter: u8,
    line: Vec<u8>,
}

impl Csv {
    fn create(path: &Path, delimiter: u8, bom: bool) -> io::Result<Csv> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
        if bom {
            out.write_all("\u{FEFF}".as_bytes())?;
        }
        Ok(Csv {
            out,
            delimiter,
            line: Vec::with_capacity(512),
        })
    }

    fn record<S: AsRef<str>>(&mut self, fields: &[S]) -> io::Result<()> {
        self.line.clear();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.line.push(self.delimiter);
            }
            let field = field.as_ref().as_bytes();
            let quoted = field
                .iter()
                .any(|&b| b == self.delimiter || b == b'"' || b == b'\n' || b == b'\r');
            if quoted {
                self.line.push(b'"');
                for &b in field {
                    if b == b'"' {
                        self.line.push(b'"');
                    }
                    self.line.push(b);
                }
                self.line.push(b'"');
            } else {
                self.line.extend_from_slice(field);
            }
        }
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// One source file: its name, layout, random stream and key column.
struct FileSpec {
    source: &'static str,
    file: &'static str,
    delimiter: u8,
    bom: bool,
    header: &'static str,
    /// The purpose of the per-entity random streams of its rows.
    stream: u64,
    /// The column that is the row's `source_key` in the truth.
    key: usize,
}

const JUSTICE: FileSpec = FileSpec {
    source: "justice",
    file: "justice.csv",
    delimiter: b',',
    bom: true,
    header: "reg_number,tin,name,legal_form_code,registration_date,status,liquidation_date,\
             address,region,parent_reg_number,successor_reg_number",
    stream: 1,
    key: 0,
};

const TAX: FileSpec = FileSpec {
    source: "tax",
    file: "tax.csv",
    delimiter: b',',
    bom: false,
    header: "tin,name,legal_form,reg_number,address,region,activity_code,tax_registration_date,\
             tax_status,deregistration_date,turnover,turnover_year,vat_registered",
    stream: 2,
    key: 0,
};

const STATISTICS: FileSpec = FileSpec {
    source: "statistics",
    file: "statistics.csv",
    delimiter: b';',
    bom: false,
    header: "stat_id,tin,name,activity_code,employees,institutional_sector,reference_year,\
             address,region",
    stream: 3,
    key: 1,
};

/// The purpose of the random stream that shuffles the survey order.
const ORDER_STREAM: u64 = 4;
/// The purpose of the random stream that draws the common names.
const COMMON_NAMES_STREAM: u64 = 5;

impl World {
    /// Indexes of the entities a source has a row for.
    fn members(&self, has_row: impl Fn(&Entity) -> bool) -> Vec<usize> {
        (0..self.entities.len())
            .filter(|&i| has_row(&self.entities[i]))
            .collect()
    }

    /// Writes one source file with rows in `order`, and their truth rows.
    fn write_source(
        &self,
        dir: &Path,
        spec: &FileSpec,
        order: &[usize],
        truth: &mut Csv,
        row: impl Fn(&mut Rng, &Entity) -> Vec<String>,
    ) -> io::Result<usize> {
        let mut out = Csv::create(&dir.join(spec.file), spec.delimiter, spec.bom)?;
        out.record(&spec.header.split(',').collect::<Vec<_>>())?;
        for (index, &i) in order.iter().enumerate() {
            let e = &self.entities[i];
            let mut rng = Rng::stream(self.seed, i, spec.stream);
            let fields = row(&mut rng, e);
            out.record(&fields)?;
            // The header is line 1 and no field holds a newline.
            let line = (index + 2).to_string();
            truth.record(&[spec.source, &fields[spec.key], &self.id(e), &line])?;
        }
        out.finish()?;
        Ok(order.len())
    }

    /// Writes `justice.csv` (BOM, comma), in order of registration.
    fn write_justice(&self, dir: &Path, truth: &mut Csv) -> io::Result<usize> {
        let mut order = self.members(|e| e.in_justice);
        order.sort_by_key(|&i| (self.entities[i].registered, i));
        self.write_source(dir, &JUSTICE, &order, truth, |rng, e| {
            self.justice_row(rng, e)
        })
    }

    fn justice_row(&self, rng: &mut Rng, e: &Entity) -> Vec<String> {
        let script = rng.weighted(&JUSTICE_SCRIPTS);
        let tin = if rng.chance(JUSTICE_TIN_SHARE) {
            World::written_tin(rng, e)
        } else {
            String::new()
        };
        let address = World::address_for(e, Source::Justice);
        let (status, ended) = match e.status {
            Status::Registered => ("registered", None),
            Status::InLiquidation => ("in_liquidation", None),
            Status::Liquidated => ("liquidated", e.died),
            Status::Reorganised => ("reorganised", e.died),
        };
        let reg_of = |index: Option<u32>| {
            index
                .and_then(|j| self.entities[j as usize].reg)
                .map(World::reg_text)
                .unwrap_or_default()
        };
        vec![
            e.reg.map(World::reg_text).unwrap_or_default(),
            tin,
            self.name_text(rng, e, Source::Justice, script),
            if rng.chance(0.97) {
                self.form(e).code.to_string()
            } else {
                String::new()
            },
            date_text(rng, e.registered),
            status.to_string(),
            ended.map(|d| date_text(rng, d)).unwrap_or_default(),
            World::address_text(rng, address, script),
            World::region_text(rng, address.region, script),
            reg_of(e.parent),
            reg_of(e.successor),
        ]
    }

    /// Writes `tax.csv` (comma, no BOM), in order of tin.
    fn write_tax(&self, dir: &Path, truth: &mut Csv) -> io::Result<usize> {
        let mut order = self.members(|e| e.in_tax);
        order.sort_by_key(|&i| self.entities[i].tin);
        self.write_source(dir, &TAX, &order, truth, |rng, e| self.tax_row(rng, e))
    }

    fn tax_row(&self, rng: &mut Rng, e: &Entity) -> Vec<String> {
        let script = rng.weighted(&TAX_SCRIPTS);
        let address = World::address_for(e, Source::Tax);
        let reg = match e.reg {
            Some(reg) if rng.chance(TAX_REG_NUMBER_SHARE) => World::reg_text(reg),
            _ => String::new(),
        };
        // Tax registers a firm a few days after justice does.
        let registered = if e.kind == Kind::Firm {
            e.registered + rng.below(11) as i32
        } else {
            e.registered
        };
        let (status, ended) = match e.died {
            Some(died) => ("deregistered", Some(died + rng.below(31) as i32)),
            None if e.status == Status::InLiquidation && rng.chance(0.6) => ("suspended", None),
            None if rng.chance(0.04) => ("suspended", None),
            None => ("active", None),
        };
        let [turnover, year, vat] = self.turnover(rng, e);
        vec![
            e.tin.map(|t| format!("{t:012}")).unwrap_or_default(),
            self.name_text(rng, e, Source::Tax, script),
            self.tax_form(rng, e, script),
            reg,
            World::address_text(rng, address, script),
            World::region_text(rng, address.region, script),
            self.tax_activity(rng, e),
            date_text(rng, registered.min(today() - 1)),
            status.to_string(),
            ended
                .map(|d| date_text(rng, d.min(today() - 1)))
                .unwrap_or_default(),
            turnover,
            year,
            vat,
        ]
    }

    /// The tax `legal_form` column: free text as the inspector typed it.
    fn tax_form(&self, rng: &mut Rng, e: &Entity, script: Script) -> String {
        let form = self.form(e);
        match rng.below(100) {
            0..=24 => String::new(),
            25..=49 => self.form_text(rng, form, script),
            50..=59 => {
                let all: Vec<&str> = form.latin.iter().chain(&form.cyrillic).copied().collect();
                all.get(rng.below(all.len().max(1)))
                    .map(|a| a.to_string())
                    .unwrap_or_default()
            }
            60..=84 => form.turkmen.to_string(),
            _ => form.russian.to_string(),
        }
    }

    /// The declared activity: often only the division, sometimes another class.
    fn tax_activity(&self, rng: &mut Rng, e: &Entity) -> String {
        let code = if rng.chance(TAX_ACTIVITY_DISAGREE_SHARE) {
            let same_division = rng.chance(0.5);
            World::other_activity(rng, e.activity, same_division)
        } else {
            e.activity
        };
        let level = rng.weighted(&[(2u8, 45), (3, 8), (4, 30), (5, 7), (0, 10)]);
        if level == 0 {
            String::new()
        } else {
            World::activity_text(code, level)
        }
    }

    /// Turnover (manats with cents), its year and VAT registration.
    fn turnover(&self, rng: &mut Rng, e: &Entity) -> [String; 3] {
        let year = REFERENCE_YEAR.to_string();
        let gone = e.died.is_some_and(|d| d < days(REFERENCE_YEAR, 1, 1));
        if gone || rng.chance(0.04) {
            return [String::new(), String::new(), "N".to_string()];
        }
        let digits = if e.kind == Kind::Person {
            rng.weighted(&[(3u32, 20), (4, 40), (5, 30), (6, 10)])
        } else {
            rng.weighted(&[(4u32, 15), (5, 30), (6, 30), (7, 18), (8, 6), (9, 1)])
        };
        let low = 10u64.pow(digits - 1);
        let manats = low + rng.below((9 * low) as usize) as u64;
        let vat = if manats >= 1_000_000 {
            rng.chance(0.9)
        } else {
            rng.chance(0.05)
        };
        let cents = rng.below(100);
        [
            format!("{manats}.{cents:02}"),
            year,
            (if vat { "Y" } else { "N" }).to_string(),
        ]
    }

    /// Writes `statistics.csv` (semicolon, no BOM), in survey order (shuffled).
    fn write_statistics(&self, dir: &Path, truth: &mut Csv) -> io::Result<usize> {
        let mut order = self.members(|e| e.in_stats);
        let mut shuffle = Rng::stream(self.seed, 0, ORDER_STREAM);
        for k in (1..order.len()).rev() {
            order.swap(k, shuffle.below(k + 1));
        }
        self.write_source(dir, &STATISTICS, &order, truth, |rng, e| {
            self.statistics_row(rng, e)
        })
    }

    fn statistics_row(&self, rng: &mut Rng, e: &Entity) -> Vec<String> {
        let script = rng.weighted(&STATS_SCRIPTS);
        let tin = if rng.chance(STATS_TIN_SHARE) {
            World::written_tin(rng, e)
        } else {
            String::new()
        };
        let address = World::address_for(e, Source::Statistics);
        let code = if rng.chance(STATS_ACTIVITY_DISAGREE_SHARE) {
            World::other_activity(rng, e.activity, true)
        } else {
            e.activity
        };
        let activity = match rng.below(100) {
            0..=1 => String::new(),
            2..=71 => code.to_string(),
            _ => World::activity_text(code, 5),
        };
        let employees = if rng.chance(0.03) {
            String::new()
        } else {
            e.employees.to_string()
        };
        vec![
            String::new(),
            tin,
            self.name_text(rng, e, Source::Statistics, script),
            activity,
            employees,
            e.sector.to_string(),
            REFERENCE_YEAR.to_string(),
            World::address_text(rng, address, script),
            World::region_text(rng, address.region, script),
        ]
    }

    /// Writes `entities.csv`: the clean truth, one row per entity.
    fn write_entities(&self, dir: &Path) -> io::Result<()> {
        let mut out = Csv::create(&dir.join("entities.csv"), b',', false)?;
        let header = "entity,name,legal_form,region,tin,reg_number,activity,dead,parent";
        out.record(&header.split(',').collect::<Vec<_>>())?;
        for e in &self.entities {
            let name = match e.kind {
                Kind::Firm => firm_canonical(&e.name),
                Kind::Person => person_canonical(&e.person),
                Kind::Branch if e.form == self.forms.office => {
                    format!("{} wekilhanasy", firm_canonical(&e.name))
                }
                Kind::Branch => format!("{} şahamçasy", firm_canonical(&e.name)),
            };
            out.record(&[
                self.id(e),
                name,
                self.form(e).code.to_string(),
                REGIONS[e.address.region as usize].code.to_string(),
                e.tin.map(|t| format!("{t:012}")).unwrap_or_default(),
                e.reg.map(World::reg_text).unwrap_or_default(),
                e.activity.to_string(),
                (if e.died.is_some() { "1" } else { "0" }).to_string(),
                e.parent
                    .map(|p| self.id(&self.entities[p as usize]))
                    .unwrap_or_default(),
            ])?;
        }
        out.finish()
    }
}
