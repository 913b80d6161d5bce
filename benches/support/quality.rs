//! How well a load linked rows, judged against the generator's `truth.csv`.
//!
//! The links export has one row per accepted source row
//! (`source,source_key,line,load_id,unit_id,method,score`, `unit_id` empty
//! while the row waits in review); it is joined to the truth on (source,
//! line). Quality is pairwise: two rows form a predicted pair when they share
//! a unit, a true pair when they share an entity; a review row pairs with
//! nothing. True pairs count every truth row, so rows the load rejected or
//! never read lower the recall.
//!
//! Std only, so that any bench or example can include it with `#[path]`.

// Several targets include this file and each uses a different part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

/// Pairwise matching quality of a links export against the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Quality {
    /// Link rows found in the truth (each (source, line) counted once).
    pub rows: usize,
    /// Of those, rows linked to a unit.
    pub linked_rows: usize,
    /// Of those, rows waiting in review (empty `unit_id`).
    pub review_rows: usize,
    /// Correct pairs over predicted pairs (1 when nothing was paired).
    pub precision: f64,
    /// Correct pairs over true pairs (1 when the truth has no pairs).
    pub recall: f64,
    /// Review rows over rows.
    pub review_share: f64,
    /// Pairs of truth rows of the same entity.
    pub true_pairs: u64,
    /// Pairs of link rows in the same unit.
    pub predicted_pairs: u64,
    /// Pairs of link rows in the same unit and of the same entity.
    pub correct_pairs: u64,
    /// Rows of the truth, whether linked or not.
    pub truth_rows: usize,
    /// Link rows not in the truth, or repeating a (source, line) already read.
    pub skipped_rows: usize,
}

/// Reads both files and measures the links against the truth.
pub fn evaluate(truth: &Path, links: &Path) -> io::Result<Quality> {
    let truth = Truth::load(truth)?;
    let mut units = Interner::default();
    let mut unit_rows: Vec<u64> = Vec::new();
    let mut shared: HashMap<(u32, u32), u64> = HashMap::new();
    let (mut rows, mut review_rows) = (0usize, 0usize);
    let skipped_rows = read_links(&truth, links, |link| {
        rows += 1;
        match link.unit {
            None => review_rows += 1,
            Some(unit) => {
                let unit = units.id(unit);
                if unit as usize == unit_rows.len() {
                    unit_rows.push(0);
                }
                unit_rows[unit as usize] += 1;
                *shared.entry((unit, link.entity)).or_default() += 1;
            }
        }
    })?;
    let true_pairs: u64 = truth.entity_rows.iter().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = unit_rows.iter().map(|&n| pairs(n)).sum();
    let correct_pairs: u64 = shared.values().map(|&n| pairs(n)).sum();
    let ratio = |part: u64, whole: u64| {
        if whole == 0 {
            1.0
        } else {
            part as f64 / whole as f64
        }
    };
    Ok(Quality {
        rows,
        linked_rows: rows - review_rows,
        review_rows,
        precision: ratio(correct_pairs, predicted_pairs),
        recall: ratio(correct_pairs, true_pairs),
        review_share: if rows == 0 {
            0.0
        } else {
            review_rows as f64 / rows as f64
        },
        true_pairs,
        predicted_pairs,
        correct_pairs,
        truth_rows: truth.rows,
        skipped_rows,
    })
}

/// A short human summary of a quality measurement.
pub fn report(q: &Quality) -> String {
    let f1 = if q.precision + q.recall > 0.0 {
        2.0 * q.precision * q.recall / (q.precision + q.recall)
    } else {
        0.0
    };
    format!(
        "rows: {} of {} in the truth ({} link rows skipped); linked {}, in review {} ({:.2}%)\n\
         pairs: true {}, predicted {}, correct {}\n\
         precision {:.4}, recall {:.4}, F1 {:.4}",
        q.rows,
        q.truth_rows,
        q.skipped_rows,
        q.linked_rows,
        q.review_rows,
        100.0 * q.review_share,
        q.true_pairs,
        q.predicted_pairs,
        q.correct_pairs,
        q.precision,
        q.recall,
        f1,
    )
}

/// Up to `limit` examples of mistakes, about half false merges (a unit
/// holding rows of several entities) and half missed pairs (an entity's rows
/// split over units, review, or missing from the links), in links order.
pub fn mistakes(truth: &Path, links: &Path, limit: usize) -> io::Result<Vec<String>> {
    let truth = Truth::load(truth)?;
    let mut units = Interner::default();
    let mut rows: Vec<Row> = Vec::new();
    read_links(&truth, links, |link| {
        let unit = link.unit.map_or(REVIEW, |u| units.id(u));
        rows.push(Row {
            source: link.source,
            line: link.line,
            unit,
            entity: link.entity,
        });
    })?;
    let describe = Describe {
        truth: &truth,
        units: &units,
        rows: &rows,
    };
    let merges = describe.false_merges();
    let missed = describe.missed_pairs();
    // Half each, the rest to whichever kind has more.
    let take_merges = merges
        .len()
        .min(limit.saturating_sub(missed.len().min(limit / 2)));
    let take_missed = missed.len().min(limit - take_merges);
    let mut out: Vec<(usize, String)> = merges.into_iter().take(take_merges).collect();
    out.extend(missed.into_iter().take(take_missed));
    out.sort_by_key(|(first, _)| *first);
    Ok(out.into_iter().map(|(_, text)| text).collect())
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// The unit of a row in review.
const REVIEW: u32 = u32::MAX;
/// No entity at this line of the truth.
const NONE: u32 = u32::MAX;

/// Strings numbered in order of first appearance.
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

/// The truth: which entity each (source, line) belongs to.
struct Truth {
    sources: Interner,
    entities: Interner,
    /// Per source, the entity at each line (`NONE` where there is none).
    lines: Vec<Vec<u32>>,
    /// Rows per entity.
    entity_rows: Vec<u64>,
    rows: usize,
}

impl Truth {
    fn load(path: &Path) -> io::Result<Truth> {
        let mut reader = CsvReader::open(path)?;
        let [source, entity, line] = reader.columns(["source", "entity", "line"])?;
        let mut truth = Truth {
            sources: Interner::default(),
            entities: Interner::default(),
            lines: Vec::new(),
            entity_rows: Vec::new(),
            rows: 0,
        };
        let mut record = Record::default();
        while reader.next(&mut record)? {
            let s = truth.sources.id(record.get(source)) as usize;
            let e = truth.entities.id(record.get(entity));
            let n = parse_line(record.get(line), reader.line)?;
            if s == truth.lines.len() {
                truth.lines.push(Vec::new());
            }
            if e as usize == truth.entity_rows.len() {
                truth.entity_rows.push(0);
            }
            let lines = &mut truth.lines[s];
            if lines.len() <= n {
                lines.resize(n + 1, NONE);
            }
            lines[n] = e;
            truth.entity_rows[e as usize] += 1;
            truth.rows += 1;
        }
        Ok(truth)
    }

    fn entity(&self, source: u32, line: usize) -> Option<u32> {
        self.lines[source as usize]
            .get(line)
            .copied()
            .filter(|&e| e != NONE)
    }
}

/// One link row joined to the truth.
struct Link<'a> {
    source: u32,
    line: u32,
    unit: Option<&'a str>,
    entity: u32,
}

/// A joined link row, kept for listing mistakes.
struct Row {
    source: u32,
    line: u32,
    unit: u32,
    entity: u32,
}

/// Streams the links, calling `each` for every row the truth knows (once
/// per (source, line)); returns how many rows were skipped.
fn read_links(truth: &Truth, path: &Path, mut each: impl FnMut(Link<'_>)) -> io::Result<usize> {
    let mut reader = CsvReader::open(path)?;
    let [source, line, unit] = reader.columns(["source", "line", "unit_id"])?;
    let mut seen: Vec<Vec<bool>> = truth.lines.iter().map(|l| vec![false; l.len()]).collect();
    let (mut record, mut skipped) = (Record::default(), 0);
    while reader.next(&mut record)? {
        let n = parse_line(record.get(line), reader.line)?;
        let joined = truth
            .sources
            .get(record.get(source))
            .and_then(|s| Some((s, truth.entity(s, n)?)));
        let Some((s, entity)) = joined else {
            skipped += 1;
            continue;
        };
        if std::mem::replace(&mut seen[s as usize][n], true) {
            skipped += 1;
            continue;
        }
        let unit = Some(record.get(unit).trim()).filter(|u| !u.is_empty());
        each(Link {
            source: s,
            line: n as u32,
            unit,
            entity,
        });
    }
    Ok(skipped)
}

fn parse_line(text: &str, at: usize) -> io::Result<usize> {
    text.trim().parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("line {at}: bad line number {text:?}"),
        )
    })
}

/// Formats the mistakes found in the joined rows.
struct Describe<'a> {
    truth: &'a Truth,
    units: &'a Interner,
    rows: &'a [Row],
}

/// Rows shown per group in a mistake.
const SHOWN: usize = 6;

impl Describe<'_> {
    fn place(&self, row: &Row) -> String {
        format!(
            "{}:{}",
            self.truth.sources.names[row.source as usize], row.line
        )
    }

    fn unit(&self, unit: u32) -> &str {
        if unit == REVIEW {
            "review"
        } else {
            &self.units.names[unit as usize]
        }
    }

    /// Row indexes grouped by `key`, each group in links order.
    fn groups(&self, key: impl Fn(&Row) -> u32) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        order.sort_by_key(|&i| (key(&self.rows[i]), i));
        order
            .chunk_by(|&a, &b| key(&self.rows[a]) == key(&self.rows[b]))
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// `E1 [justice:2, tax:9]`-style listing of rows by a second key.
    fn listing(
        &self,
        rows: &[usize],
        key: impl Fn(&Row) -> u32,
        name: impl Fn(u32) -> String,
    ) -> String {
        let mut sorted = rows.to_vec();
        sorted.sort_by_key(|&i| (key(&self.rows[i]), i));
        let parts: Vec<String> = sorted
            .chunk_by(|&a, &b| key(&self.rows[a]) == key(&self.rows[b]))
            .map(|group| {
                let mut places: Vec<String> = group
                    .iter()
                    .take(SHOWN)
                    .map(|&i| self.place(&self.rows[i]))
                    .collect();
                if group.len() > SHOWN {
                    places.push(format!("+{}", group.len() - SHOWN));
                }
                format!(
                    "{} [{}]",
                    name(key(&self.rows[group[0]])),
                    places.join(", ")
                )
            })
            .collect();
        parts.join(" + ")
    }

    /// Units holding rows of more than one entity, keyed by first row.
    fn false_merges(&self) -> Vec<(usize, String)> {
        self.groups(|r| r.unit)
            .into_iter()
            .filter(|g| {
                self.rows[g[0]].unit != REVIEW
                    && g.iter()
                        .any(|&i| self.rows[i].entity != self.rows[g[0]].entity)
            })
            .map(|g| {
                let entities = self.listing(
                    &g,
                    |r| r.entity,
                    |e| self.truth.entities.names[e as usize].clone(),
                );
                (
                    g[0],
                    format!(
                        "false merge: unit {} holds {entities}",
                        self.unit(self.rows[g[0]].unit)
                    ),
                )
            })
            .collect()
    }

    /// Entities whose rows are not all in one unit, keyed by first row.
    fn missed_pairs(&self) -> Vec<(usize, String)> {
        self.groups(|r| r.entity)
            .into_iter()
            .filter_map(|g| {
                let entity = self.rows[g[0]].entity;
                let first = self.rows[g[0]].unit;
                let split = (first == REVIEW && g.len() > 1)
                    || g.iter().any(|&i| self.rows[i].unit != first);
                let absent = self.truth.entity_rows[entity as usize] - g.len() as u64;
                if !split && absent == 0 {
                    return None;
                }
                let units = self.listing(&g, |r| r.unit, |u| self.unit(u).to_string());
                let note = if absent > 0 {
                    format!(" (+{absent} rows not in the links)")
                } else {
                    String::new()
                };
                Some((
                    g[0],
                    format!(
                        "missed: {} split over {units}{note}",
                        self.truth.entities.names[entity as usize]
                    ),
                ))
            })
            .collect()
    }
}

/// One CSV record: its fields' text and where each field ends.
#[derive(Default)]
struct Record {
    text: String,
    ends: Vec<usize>,
}

impl Record {
    fn get(&self, field: usize) -> &str {
        let start = if field == 0 {
            0
        } else {
            self.ends.get(field - 1).copied().unwrap_or(self.text.len())
        };
        let end = self.ends.get(field).copied().unwrap_or(start);
        &self.text[start..end]
    }
}

/// A small RFC 4180 reader: BOM skipped, `,` or `;` detected from the
/// header, quoted fields may hold delimiters, doubled quotes and newlines.
struct CsvReader {
    input: BufReader<File>,
    delimiter: u8,
    header: Vec<String>,
    raw: Vec<u8>,
    field: Vec<u8>,
    /// The physical line the last record ended on.
    line: usize,
}

impl CsvReader {
    fn open(path: &Path) -> io::Result<CsvReader> {
        let file = File::open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let mut reader = CsvReader {
            input: BufReader::with_capacity(1 << 20, file),
            delimiter: b',',
            header: Vec::new(),
            raw: Vec::new(),
            field: Vec::new(),
            line: 0,
        };
        let mut record = Record::default();
        if reader.next(&mut record)? {
            reader.header = (0..record.ends.len())
                .map(|i| record.get(i).trim().to_lowercase())
                .collect();
        }
        Ok(reader)
    }

    /// Positions of the named columns (case-insensitive).
    fn columns<const N: usize>(&self, names: [&str; N]) -> io::Result<[usize; N]> {
        let mut out = [0; N];
        for (slot, name) in out.iter_mut().zip(names) {
            *slot = self.header.iter().position(|h| h == name).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("no column {name} in header {:?}", self.header),
                )
            })?;
        }
        Ok(out)
    }

    /// Reads the next record; false at the end of the file.
    fn next(&mut self, record: &mut Record) -> io::Result<bool> {
        self.raw.clear();
        loop {
            if self.input.read_until(b'\n', &mut self.raw)? == 0 {
                break;
            }
            self.line += 1;
            // An odd number of quotes so far means a quoted newline.
            if self.raw.iter().filter(|&&b| b == b'"').count() % 2 == 0 {
                break;
            }
        }
        if self.raw.is_empty() {
            return Ok(false);
        }
        if self.line <= 1 {
            if let Some(rest) = self.raw.strip_prefix(b"\xEF\xBB\xBF") {
                self.raw = rest.to_vec();
            }
            let count = |d: u8| self.raw.iter().filter(|&&b| b == d).count();
            self.delimiter = if count(b';') > count(b',') {
                b';'
            } else {
                b','
            };
        }
        while self.raw.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
            self.raw.pop();
        }
        self.split(record)
    }

    fn split(&mut self, record: &mut Record) -> io::Result<bool> {
        self.field.clear();
        record.ends.clear();
        let (mut quoted, mut i) = (false, 0);
        while i < self.raw.len() {
            let b = self.raw[i];
            if quoted && b == b'"' {
                if self.raw.get(i + 1) == Some(&b'"') {
                    self.field.push(b'"');
                    i += 1;
                } else {
                    quoted = false;
                }
            } else if !quoted && b == b'"' {
                quoted = true;
            } else if !quoted && b == self.delimiter {
                record.ends.push(self.field.len());
            } else {
                self.field.push(b);
            }
            i += 1;
        }
        record.ends.push(self.field.len());
        let text = std::str::from_utf8(&self.field).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("line {}: not UTF-8", self.line),
            )
        })?;
        record.text.clear();
        record.text.push_str(text);
        Ok(true)
    }
}
