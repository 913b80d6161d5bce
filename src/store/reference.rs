//! Reference tables shipped with the binary and loaded at migration time:
//! NACE Rev. 2.1, ISIC Rev. 4, legal forms and regions.

use diesel::prelude::*;

use super::connection::on_backend;
use super::schema::{classifications, legal_forms, regions};
use super::{AnyConnection, StoreError, StoreResult};
use crate::domain::activity::Scheme;
use crate::domain::region::REGIONS;

const NACE: &str = include_str!("../../fixtures/classifications/nace_rev2_1.csv");
const ISIC: &str = include_str!("../../fixtures/classifications/isic_rev4.csv");
const LEGAL_FORMS: &str = include_str!("../../fixtures/legal_forms_tm.csv");

/// One code of a classification.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = classifications)]
pub struct Code {
    #[serde(skip_deserializing, default)]
    pub scheme: String,
    pub code: String,
    pub level: i32,
    pub parent: Option<String>,
    pub title: String,
}

/// One legal form of Turkmenistan.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = legal_forms)]
pub struct LegalForm {
    pub code: String,
    pub name_tk: String,
    pub name_ru: String,
    /// Abbreviations seen in extracts, `|`-separated.
    pub abbreviations: String,
    pub kind: String,
}

#[derive(Insertable)]
#[diesel(table_name = regions)]
struct RegionRow<'a> {
    code: &'a str,
    name_tk: &'a str,
    name_ru: &'a str,
}

/// Loads every reference table that is still empty, in one transaction.
pub fn load(conn: &mut AnyConnection) -> StoreResult<()> {
    conn.transaction(|conn| {
        load_scheme(conn, Scheme::Nace, "nace_rev2_1.csv", NACE)?;
        load_scheme(conn, Scheme::Isic, "isic_rev4.csv", ISIC)?;
        load_legal_forms(conn)?;
        load_regions(conn)
    })
}

fn load_scheme(
    conn: &mut AnyConnection,
    scheme: Scheme,
    file: &'static str,
    text: &str,
) -> StoreResult<()> {
    let present: i64 = classifications::table
        .filter(classifications::scheme.eq(scheme.as_str()))
        .count()
        .get_result(conn)?;
    if present > 0 {
        return Ok(());
    }
    let mut codes: Vec<Code> = parse(file, text)?;
    for code in &mut codes {
        code.scheme = scheme.as_str().to_owned();
        code.parent = code.parent.take().filter(|p| !p.is_empty());
    }
    for chunk in codes.chunks(500) {
        on_backend!(conn, inner => diesel::insert_into(classifications::table)
            .values(chunk)
            .execute(inner))?;
    }
    tracing::info!(
        scheme = scheme.as_str(),
        codes = codes.len(),
        "classification loaded"
    );
    Ok(())
}

fn load_legal_forms(conn: &mut AnyConnection) -> StoreResult<()> {
    let present: i64 = legal_forms::table.count().get_result(conn)?;
    if present > 0 {
        return Ok(());
    }
    let forms: Vec<LegalForm> = parse("legal_forms_tm.csv", LEGAL_FORMS)?;
    on_backend!(conn, inner => diesel::insert_into(legal_forms::table)
        .values(&forms)
        .execute(inner))?;
    Ok(())
}

fn load_regions(conn: &mut AnyConnection) -> StoreResult<()> {
    let present: i64 = regions::table.count().get_result(conn)?;
    if present > 0 {
        return Ok(());
    }
    let rows: Vec<RegionRow> = REGIONS
        .iter()
        .map(|r| RegionRow {
            code: r.code,
            name_tk: r.name_tk,
            name_ru: r.name_ru,
        })
        .collect();
    on_backend!(conn, inner => diesel::insert_into(regions::table).values(&rows).execute(inner))?;
    Ok(())
}

fn parse<T: serde::de::DeserializeOwned>(file: &'static str, text: &str) -> StoreResult<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|error| StoreError::Reference {
            file,
            reason: error.to_string(),
        })
}

/// A code with its parent and children, for the classification endpoints.
#[derive(Debug, Clone)]
pub struct CodeInContext {
    /// The code itself.
    pub code: Code,
    /// Its parent, if it has one.
    pub parent: Option<Code>,
    /// Its children, in code order.
    pub children: Vec<Code>,
}

/// Looks up a code of a scheme, with parent and children.
pub fn code_in_context(
    conn: &mut AnyConnection,
    scheme: Scheme,
    code: &str,
) -> StoreResult<Option<CodeInContext>> {
    let Some(found) = find_code(conn, scheme, code)? else {
        return Ok(None);
    };
    let parent = match &found.parent {
        Some(parent) => find_code(conn, scheme, parent)?,
        None => None,
    };
    let children = classifications::table
        .filter(classifications::scheme.eq(scheme.as_str()))
        .filter(classifications::parent.eq(&found.code))
        .order(classifications::code)
        .select(Code::as_select())
        .load(conn)?;
    Ok(Some(CodeInContext {
        code: found,
        parent,
        children,
    }))
}

/// The top level of a scheme (its sections).
pub fn sections(conn: &mut AnyConnection, scheme: Scheme) -> StoreResult<Vec<Code>> {
    Ok(classifications::table
        .filter(classifications::scheme.eq(scheme.as_str()))
        .filter(classifications::level.eq(1))
        .order(classifications::code)
        .select(Code::as_select())
        .load(conn)?)
}

/// One code of a scheme.
pub fn find_code(
    conn: &mut AnyConnection,
    scheme: Scheme,
    code: &str,
) -> StoreResult<Option<Code>> {
    Ok(classifications::table
        .filter(classifications::scheme.eq(scheme.as_str()))
        .filter(classifications::code.eq(code))
        .select(Code::as_select())
        .first(conn)
        .optional()?)
}

/// Every legal form, in code order.
pub fn all_legal_forms(conn: &mut AnyConnection) -> StoreResult<Vec<LegalForm>> {
    Ok(legal_forms::table
        .order(legal_forms::code)
        .select(LegalForm::as_select())
        .load(conn)?)
}

/// One legal form by code.
pub fn find_legal_form(conn: &mut AnyConnection, code: &str) -> StoreResult<Option<LegalForm>> {
    Ok(legal_forms::table
        .find(code)
        .select(LegalForm::as_select())
        .first(conn)
        .optional()?)
}

/// NACE divisions and their section letters (`62` → `J`), for filters that
/// take a section.
pub fn nace_sections(
    conn: &mut AnyConnection,
) -> StoreResult<std::collections::HashMap<String, String>> {
    Ok(classifications::table
        .filter(classifications::scheme.eq(Scheme::Nace.as_str()))
        .filter(classifications::level.eq(2))
        .select((classifications::code, classifications::parent))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .filter_map(|(division, section)| Some((division, section?)))
        .collect())
}

/// Human titles for coded values (activity, legal form, region), held in
/// memory: they are small, never change while running, and are needed on
/// every unit served.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    nace: std::collections::HashMap<String, String>,
    legal_forms: std::collections::HashMap<String, String>,
    regions: std::collections::HashMap<String, String>,
}

impl Labels {
    /// Reads the reference tables.
    pub fn load(conn: &mut AnyConnection) -> StoreResult<Self> {
        let nace = classifications::table
            .filter(classifications::scheme.eq(Scheme::Nace.as_str()))
            .select((classifications::code, classifications::title))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        let legal_forms = legal_forms::table
            .select((legal_forms::code, legal_forms::name_tk))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        let regions = regions::table
            .select((regions::code, regions::name_tk))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        Ok(Labels {
            nace,
            legal_forms,
            regions,
        })
    }

    /// The title of a coded value, if the attribute is coded and the code known.
    pub fn of(&self, attribute: crate::domain::attribute::Attribute, code: &str) -> Option<&str> {
        use crate::domain::attribute::Attribute;
        let table = match attribute {
            Attribute::Activity => &self.nace,
            Attribute::LegalForm => &self.legal_forms,
            Attribute::Region => &self.regions,
            _ => return None,
        };
        table.get(code).map(String::as_str)
    }
}
