//! The units export: every unit (or those a search found) as the register
//! shows it on a date, through the filters, one page of units at a time.

use std::collections::HashMap;
use std::io::Write;

use chrono::NaiveDate;
use csv::ByteRecord;

use super::row::{fill, Shown, Subject};
use super::sheet::{Layout, Sheet};
use super::ExportError;
use crate::domain::stat_id::StatId;
use crate::domain::survivorship::Record;
use crate::domain::unit::UnitKind;
use crate::search::query::Filters;
use crate::store::units::{self, Head};
use crate::store::{reference, AnyConnection};

/// Units read from the database per step: enough to amortise the queries,
/// few enough that memory does not grow with the register.
const PAGE: usize = 2_000;

/// Which units an export holds.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The date the units are shown as of.
    pub as_of: NaiveDate,
    /// Filters on what they show that day.
    pub filters: Filters,
    /// Whether units dead on that day are included (with their death dates).
    pub include_dead: bool,
    /// Only these units (what a search found), sorted; `None`: every unit.
    pub only: Option<Vec<i64>>,
}

/// Writes the selected units as CSV (header first); returns the row count.
pub fn write<W: Write>(
    conn: &mut AnyConnection,
    selection: &Selection,
    sheet: &Sheet,
    output: W,
) -> Result<u64, ExportError> {
    let mut csv = super::writer(output);
    sheet.header(&mut csv)?;
    let layout = Layout::current();
    let mut scratch = Vec::new();
    let rows = walk(conn, selection, |row| {
        Ok(sheet.row(&mut csv, row, &layout, &mut scratch)?)
    })?;
    csv.flush()?;
    Ok(rows)
}

/// Calls `each` with the full row of every selected unit, in stat_id order;
/// returns how many. Pages are read on a second thread while the rows of
/// the one before are built and written on this one: reading and writing
/// each take about half of an export.
pub fn walk(
    conn: &mut AnyConnection,
    selection: &Selection,
    mut each: impl FnMut(&ByteRecord) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let mut rows = Rows::new(conn, selection)?;
    std::thread::scope(|scope| {
        let (pages, read) = std::sync::mpsc::sync_channel(2);
        scope.spawn(move || {
            let mut cursor = Cursor::new(selection);
            loop {
                match cursor.read(conn) {
                    Ok(Some(page)) => {
                        // A send fails only once the writer has stopped.
                        if pages.send(Ok(page)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(error) => {
                        let _ = pages.send(Err(error));
                        return;
                    }
                }
            }
        });
        let mut written = 0;
        for page in read {
            written += rows.emit(&page?, &mut each)?;
        }
        Ok(written)
    })
}

/// A walk over the selected units, a page at a time on the caller's
/// thread, so that the caller may use the connection between pages (a
/// frame stores each page).
pub struct Walk<'s> {
    cursor: Cursor<'s>,
    rows: Rows<'s>,
}

impl<'s> Walk<'s> {
    /// Starts a walk.
    pub fn new(conn: &mut AnyConnection, selection: &'s Selection) -> Result<Self, ExportError> {
        Ok(Walk {
            cursor: Cursor::new(selection),
            rows: Rows::new(conn, selection)?,
        })
    }

    /// Calls `each` with the full row of every selected unit of the next
    /// page; returns how many, or `None` when the units are all walked.
    pub fn next_page(
        &mut self,
        conn: &mut AnyConnection,
        each: &mut impl FnMut(&ByteRecord) -> Result<(), ExportError>,
    ) -> Result<Option<u64>, ExportError> {
        let Some(page) = self.cursor.read(conn)? else {
            return Ok(None);
        };
        Ok(Some(self.rows.emit(&page, each)?))
    }
}

/// Where a walk is: which page of units it reads next.
struct Cursor<'s> {
    selection: &'s Selection,
    /// The last unit id read, when walking every unit.
    after: i64,
    /// The next chunk of `selection.only`, when walking some.
    chunk: usize,
}

impl<'s> Cursor<'s> {
    fn new(selection: &'s Selection) -> Self {
        Cursor {
            selection,
            after: 0,
            chunk: 0,
        }
    }

    /// Reads the next page; `None` when the units are all read.
    fn read(&mut self, conn: &mut AnyConnection) -> Result<Option<Page>, ExportError> {
        let as_of = self.selection.as_of;
        let page = match &self.selection.only {
            Some(ids) => {
                let Some(ids) = ids.chunks(PAGE).nth(self.chunk) else {
                    return Ok(None);
                };
                self.chunk += 1;
                let heads = units::heads_of(conn, ids)?;
                Page::read(conn, heads, as_of, false)?
            }
            None => {
                let heads = units::heads_after(conn, self.after, PAGE as i64)?;
                let Some(last) = heads.last() else {
                    return Ok(None);
                };
                self.after = last.id;
                Page::read(conn, heads, as_of, true)?
            }
        };
        Ok(Some(page))
    }
}

/// Turns pages into the full rows of the units that pass.
struct Rows<'s> {
    selection: &'s Selection,
    sections: HashMap<String, String>,
    row: ByteRecord,
    scratch: String,
}

impl<'s> Rows<'s> {
    fn new(conn: &mut AnyConnection, selection: &'s Selection) -> Result<Self, ExportError> {
        Ok(Rows {
            selection,
            sections: reference::nace_sections(conn)?,
            row: ByteRecord::new(),
            scratch: String::new(),
        })
    }

    /// Calls `each` with the full row of every unit of the page that passes;
    /// returns how many.
    fn emit(
        &mut self,
        page: &Page,
        each: &mut impl FnMut(&ByteRecord) -> Result<(), ExportError>,
    ) -> Result<u64, ExportError> {
        let as_of = self.selection.as_of;
        let mut written = 0;
        for head in &page.heads {
            let Some(shown) = Shown::on(page.records_of(head), as_of) else {
                continue;
            };
            if shown.is_dead() && !self.selection.include_dead {
                continue;
            }
            if !shown.passes(head.kind, &self.selection.filters, &self.sections) {
                continue;
            }
            let subject = Subject {
                stat_id: StatId::from_unit_number(head.id),
                kind: head.kind,
                prn: head.prn,
                enterprise: page.enterprise_of(head),
            };
            fill(&subject, &shown, &mut self.row, &mut self.scratch);
            each(&self.row)?;
            written += 1;
        }
        Ok(written)
    }
}

/// One page of units and what they are shown from.
struct Page {
    /// The units, in id order.
    heads: Vec<Head>,
    /// (legal unit, enterprise) links holding on the date.
    links: Vec<(i64, i64)>,
    /// Current records by unit.
    records: HashMap<i64, Vec<Record>>,
}

impl Page {
    /// Reads the page's records, and for its enterprises their legal
    /// units' records. `dense`: the heads are a run of consecutive ids, so
    /// one range scan reads them.
    fn read(
        conn: &mut AnyConnection,
        heads: Vec<Head>,
        date: NaiveDate,
        dense: bool,
    ) -> Result<Page, ExportError> {
        let (Some(first), Some(last)) = (heads.first().copied(), heads.last().copied()) else {
            return Ok(Page {
                heads,
                links: Vec::new(),
                records: HashMap::new(),
            });
        };
        let ids: Vec<i64> = heads.iter().map(|head| head.id).collect();
        let links = if dense {
            units::enterprise_links_between(conn, first.id, last.id, date)?
        } else {
            units::enterprise_links_on(conn, &ids, date)?
        };
        // A scan of the id range reads a run of units at once; the legal
        // units of enterprises outside it, or scattered ids, are asked by id.
        let in_range = |id: &i64| dense && (first.id..=last.id).contains(id);
        let mut others: Vec<i64> = links
            .iter()
            .map(|(legal, _)| *legal)
            .filter(|legal| !in_range(legal))
            .collect();
        if !dense {
            others.extend(&ids);
        }
        others.sort_unstable();
        others.dedup();
        let mut found = units::current_records_of(conn, &others)?;
        if dense {
            found.extend(units::current_records_between(conn, first.id, last.id)?);
        }
        let mut records: HashMap<i64, Vec<Record>> = HashMap::with_capacity(heads.len());
        for (unit, record) in found {
            records.entry(unit).or_default().push(record);
        }
        Ok(Page {
            heads,
            links,
            records,
        })
    }

    /// The records a unit is shown from: an enterprise shows its legal units'.
    fn records_of(&self, head: &Head) -> Vec<&Record> {
        if head.kind != UnitKind::Enterprise {
            return self.records.get(&head.id).into_iter().flatten().collect();
        }
        self.links
            .iter()
            .filter(|(_, enterprise)| *enterprise == head.id)
            .filter_map(|(legal, _)| self.records.get(legal))
            .flatten()
            .collect()
    }

    /// A legal unit's enterprise.
    fn enterprise_of(&self, head: &Head) -> Option<StatId> {
        if head.kind != UnitKind::LegalUnit {
            return None;
        }
        self.links
            .iter()
            .find(|(legal, _)| *legal == head.id)
            .map(|(_, enterprise)| StatId::from_unit_number(*enterprise))
    }
}
