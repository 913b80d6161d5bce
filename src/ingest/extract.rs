//! An extract file as rows: encoding, delimiter and header detected,
//! streamed, each row with its line number (the header is line 1).

use std::collections::HashMap;
use std::io::{self, Read};

use crate::domain::text_enum;

use super::cp1251;

/// How much of the file is looked at to detect encoding and delimiter.
const SNIFF_BYTES: usize = 64 * 1024;
/// A field longer than this is refused (names and addresses are far shorter).
pub const MAX_FIELD_CHARS: usize = 1_000;

text_enum! {
    /// The character encodings the agencies use.
    Encoding {
        /// UTF-8, with or without a byte-order mark.
        Utf8 => "utf-8",
        /// Windows-1251, from legacy Cyrillic systems.
        Windows1251 => "windows-1251",
    }
}

/// Why a whole file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// No header line.
    #[error("the file is empty: expected a header line")]
    Empty,
    /// NUL bytes: a binary file, not CSV.
    #[error("the file is not text (it contains NUL bytes): expected CSV")]
    NotText,
    /// A column the source must send is absent.
    #[error("missing required column(s): {}", .0.join(", "))]
    MissingColumns(Vec<&'static str>),
    /// The header names a column twice.
    #[error("the header names column {0:?} twice")]
    DuplicateColumn(String),
    /// The header itself cannot be parsed.
    #[error("unreadable header: {0}")]
    Header(String),
    /// Reading failed.
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
}

/// Why one row is rejected; the rest of the file goes on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {}{reason}", column.as_ref().map(|c| format!("{c}: ")).unwrap_or_default())]
pub struct RowError {
    /// The line the row starts on (header = 1).
    pub line: u64,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// What is wrong.
    pub reason: String,
}

/// One data row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line the row starts on (header = 1).
    pub line: u64,
    record: csv::StringRecord,
}

impl Row {
    /// A field by column index, trimmed; `None` when empty.
    pub fn get(&self, index: Option<usize>) -> Option<&str> {
        let value = self.record.get(index?)?.trim();
        (!value.is_empty()).then_some(value)
    }
}

/// An open extract: its header, and its rows as an iterator.
pub struct Extract {
    records: csv::StringRecordsIntoIter<Box<dyn Read + Send>>,
    columns: Vec<String>,
    index: HashMap<String, usize>,
    /// The encoding detected or given.
    pub encoding: Encoding,
    /// The delimiter detected from the header line.
    pub delimiter: u8,
}

impl Extract {
    /// Opens an extract, detecting the encoding (unless given) and the delimiter.
    pub fn open(
        mut input: impl Read + Send + 'static,
        encoding: Option<Encoding>,
    ) -> Result<Self, FileError> {
        let mut prefix = Vec::with_capacity(SNIFF_BYTES);
        (&mut input)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut prefix)?;
        if prefix.contains(&0) {
            return Err(FileError::NotText);
        }
        let bom = prefix.starts_with(b"\xEF\xBB\xBF");
        if bom {
            prefix.drain(..3);
        }
        if prefix.iter().all(u8::is_ascii_whitespace) {
            return Err(FileError::Empty);
        }
        let encoding = encoding.unwrap_or_else(|| detect_encoding(&prefix, bom));
        let rest: Box<dyn Read + Send> = Box::new(io::Cursor::new(prefix).chain(input));
        let text: Box<dyn Read + Send> = match encoding {
            Encoding::Utf8 => rest,
            Encoding::Windows1251 => Box::new(Cp1251Reader::new(rest)),
        };
        let (delimiter, text) = sniff_delimiter(text)?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            // Only `\n` ends a record: the csv crate counts a CRLF file's
            // lines one short otherwise. A stray `\r` is trimmed with the field.
            .terminator(csv::Terminator::Any(b'\n'))
            .flexible(true)
            .has_headers(true)
            .from_reader(text);
        let header = reader
            .headers()
            .map_err(|e| FileError::Header(e.to_string()))?;
        let columns: Vec<String> = header.iter().map(|c| c.trim().to_lowercase()).collect();
        let mut index = HashMap::new();
        for (position, column) in columns.iter().enumerate() {
            if column.is_empty() {
                continue;
            }
            if index.insert(column.clone(), position).is_some() {
                return Err(FileError::DuplicateColumn(column.clone()));
            }
        }
        Ok(Extract {
            records: reader.into_records(),
            columns,
            index,
            encoding,
            delimiter,
        })
    }

    /// Refuses the file unless every required column is present.
    pub fn require(&self, required: &[&'static str]) -> Result<(), FileError> {
        let missing: Vec<&'static str> = required
            .iter()
            .copied()
            .filter(|column| !self.index.contains_key(*column))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(FileError::MissingColumns(missing))
    }

    /// The position of a column (names compared case-insensitively, trimmed).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The header's column names, lowercased, in file order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }
}

impl Iterator for Extract {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = match self.records.next()? {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                let reason = match error.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "not valid UTF-8 (give --encoding windows-1251 for a Cyrillic code page)"
                            .to_owned()
                    }
                    _ => error.to_string(),
                };
                return Some(Err(RowError {
                    line,
                    column: None,
                    reason,
                }));
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != self.columns.len() {
            return Some(Err(RowError {
                line,
                column: None,
                reason: format!(
                    "expected {} fields, found {}",
                    self.columns.len(),
                    record.len()
                ),
            }));
        }
        if let Some(position) = record
            .iter()
            .position(|f| f.chars().count() > MAX_FIELD_CHARS)
        {
            return Some(Err(RowError {
                line,
                column: Some(self.columns[position].clone()),
                reason: format!("longer than {MAX_FIELD_CHARS} characters"),
            }));
        }
        // Binary garbage past the sniffed beginning: refuse the row, never store a NUL.
        if let Some(position) = record.iter().position(|f| f.contains('\0')) {
            return Some(Err(RowError {
                line,
                column: Some(self.columns[position].clone()),
                reason: "contains a NUL byte: not text".to_owned(),
            }));
        }
        Some(Ok(Row { line, record }))
    }
}

/// Reads a whole file to tell UTF-8 from Windows-1251 when the beginning
/// alone cannot (a legacy export whose first Cyrillic comes late). A file
/// with valid multi-byte UTF-8 and no invalid sequence is UTF-8; one with
/// invalid sequences and no valid multi-byte ones is the Cyrillic code page;
/// anything else is left to the usual detection, and its bad rows are
/// rejected one by one.
pub fn detect_file(path: &std::path::Path) -> io::Result<Option<Encoding>> {
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0_u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let (mut multibyte, mut invalid) = (0_u64, 0_u64);
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        carry.extend_from_slice(&buffer[..read]);
        let mut rest: &[u8] = &carry;
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    multibyte += text.chars().filter(|c| c.len_utf8() > 1).count() as u64;
                    rest = &[];
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    let text = std::str::from_utf8(valid).unwrap_or_default();
                    multibyte += text.chars().filter(|c| c.len_utf8() > 1).count() as u64;
                    match error.error_len() {
                        Some(bad) => {
                            invalid += 1;
                            rest = &after[bad..];
                        }
                        // Cut at the buffer's end: finish it with the next read.
                        None => {
                            rest = after;
                            break;
                        }
                    }
                }
            }
        }
        carry = rest.to_vec();
    }
    Ok(match (multibyte, invalid) {
        (_, 0) => Some(Encoding::Utf8),
        (0, _) => Some(Encoding::Windows1251),
        _ => None,
    })
}

/// UTF-8 when the beginning decodes as UTF-8 (a sequence cut at the end of
/// the sample is fine); otherwise the Cyrillic code page.
fn detect_encoding(prefix: &[u8], bom: bool) -> Encoding {
    if bom {
        return Encoding::Utf8;
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => Encoding::Utf8,
        Err(error) if error.error_len().is_none() => Encoding::Utf8,
        Err(_) => Encoding::Windows1251,
    }
}

/// Finds the delimiter from the header line: `;` when it has more
/// semicolons than commas outside quotes, else `,`. Returns the text whole.
fn sniff_delimiter(
    mut text: Box<dyn Read + Send>,
) -> Result<(u8, Box<dyn Read + Send>), FileError> {
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    let mut in_quotes = false;
    let (mut commas, mut semicolons) = (0, 0);
    while text.read(&mut byte)? == 1 {
        head.push(byte[0]);
        match byte[0] {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => commas += 1,
            b';' if !in_quotes => semicolons += 1,
            b'\n' if !in_quotes => break,
            _ => {}
        }
    }
    let delimiter = if semicolons > commas { b';' } else { b',' };
    Ok((delimiter, Box::new(io::Cursor::new(head).chain(text))))
}

/// Decodes Windows-1251 to UTF-8 as it is read.
struct Cp1251Reader {
    inner: Box<dyn Read + Send>,
    decoded: Vec<u8>,
    offset: usize,
}

impl Cp1251Reader {
    fn new(inner: Box<dyn Read + Send>) -> Self {
        Cp1251Reader {
            inner,
            decoded: Vec::new(),
            offset: 0,
        }
    }
}

impl Read for Cp1251Reader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.offset == self.decoded.len() {
            let mut raw = [0_u8; 16 * 1024];
            let count = self.inner.read(&mut raw)?;
            if count == 0 {
                return Ok(0);
            }
            self.decoded.clear();
            self.offset = 0;
            cp1251::decode_into(&raw[..count], &mut self.decoded);
        }
        let available = &self.decoded[self.offset..];
        let count = available.len().min(out.len());
        out[..count].copy_from_slice(&available[..count]);
        self.offset += count;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(bytes: &[u8]) -> Result<Extract, FileError> {
        Extract::open(io::Cursor::new(bytes.to_vec()), None)
    }

    fn rows(extract: Extract) -> Vec<Result<(u64, Vec<String>), RowError>> {
        extract
            .map(|row| row.map(|row| (row.line, row.record.iter().map(str::to_owned).collect())))
            .collect()
    }

    #[test]
    fn comma_file_with_bom_and_any_case_header() {
        let extract = open("\u{feff} TIN ,Name\n123,\"Ak, ýol\"\n".as_bytes()).unwrap();
        assert_eq!(extract.columns(), ["tin", "name"]);
        assert_eq!(extract.delimiter, b',');
        assert_eq!(extract.column("name"), Some(1));
        let rows = rows(extract);
        assert_eq!(rows, vec![Ok((2, vec!["123".into(), "Ak, ýol".into()]))]);
    }

    #[test]
    fn semicolon_file_with_decimal_commas() {
        let extract = open(b"tin;turnover\n1;1 234,50\n").unwrap();
        assert_eq!(extract.delimiter, b';');
        let rows = rows(extract);
        assert_eq!(rows[0].as_ref().unwrap().1[1], "1 234,50");
    }

    #[test]
    fn quoted_newlines_keep_line_numbers_right() {
        let text = "name,address\n\"A\",\"street 1\nsecond line\"\n\"B\",x\n";
        let rows = rows(open(text.as_bytes()).unwrap());
        assert_eq!(rows[0].as_ref().unwrap().0, 2);
        assert_eq!(rows[1].as_ref().unwrap().0, 4);
    }

    #[test]
    fn crlf_files_keep_line_numbers_right() {
        let text = "name,address\r\n\"A\",\"street 1\r\nsecond\"\r\nB,x\r\n";
        let rows = rows(open(text.as_bytes()).unwrap());
        assert_eq!(rows[0].as_ref().unwrap().0, 2);
        assert_eq!(rows[1].as_ref().unwrap().0, 4);
        assert_eq!(rows[1].as_ref().unwrap().1[1].trim(), "x");
    }

    #[test]
    fn windows_1251_is_detected_and_decoded() {
        // "name\nХО" in Windows-1251.
        let extract = open(b"name\n\xD5\xCE\n").unwrap();
        assert_eq!(extract.encoding, Encoding::Windows1251);
        assert_eq!(rows(extract)[0].as_ref().unwrap().1[0], "ХО");
    }

    #[test]
    fn a_wrong_column_count_rejects_the_row_not_the_file() {
        let rows = rows(open(b"a,b\n1,2\n1,2,3\n4,5\n").unwrap());
        assert!(rows[0].is_ok() && rows[2].is_ok());
        let error = rows[1].as_ref().unwrap_err();
        assert_eq!(error.line, 3);
        assert_eq!(error.reason, "expected 2 fields, found 3");
    }

    #[test]
    fn over_long_fields_are_refused_with_their_column() {
        let text = format!("name,tin\n{},1\n", "x".repeat(MAX_FIELD_CHARS + 1));
        let rows = rows(open(text.as_bytes()).unwrap());
        let error = rows[0].as_ref().unwrap_err();
        assert_eq!(error.column.as_deref(), Some("name"));
        assert_eq!(
            error.to_string(),
            format!("line 2: name: longer than {MAX_FIELD_CHARS} characters")
        );
    }

    #[test]
    fn unusable_files_are_refused_with_a_reason() {
        assert!(matches!(open(b""), Err(FileError::Empty)));
        assert!(matches!(open(b"\xEF\xBB\xBF \n"), Err(FileError::Empty)));
        assert!(matches!(
            open(b"PK\x03\x04\x00\x00binary"),
            Err(FileError::NotText)
        ));
        assert!(matches!(
            open(b"a,A\n1,2\n"),
            Err(FileError::DuplicateColumn(_))
        ));
        let extract = open(b"name,region\nx,y\n").unwrap();
        let error = extract.require(&["tin", "name"]).unwrap_err();
        assert_eq!(error.to_string(), "missing required column(s): tin");
    }

    #[test]
    fn empty_fields_read_as_absent() {
        let extract = open(b"a,b\n  ,x\n").unwrap();
        let row = extract.into_iter().next().unwrap().unwrap();
        assert_eq!(row.get(Some(0)), None);
        assert_eq!(row.get(Some(1)), Some("x"));
        assert_eq!(row.get(None), None);
    }

    #[test]
    fn the_bundled_sample_extracts_read_cleanly() {
        let samples: [(&str, &[u8], char); 3] = [
            ("tax", include_bytes!("../../fixtures/sources/tax.csv"), ','),
            (
                "justice",
                include_bytes!("../../fixtures/sources/justice.csv"),
                ',',
            ),
            (
                "statistics",
                include_bytes!("../../fixtures/sources/statistics.csv"),
                ';',
            ),
        ];
        for (source, bytes, delimiter) in samples {
            let extract = open(bytes).unwrap();
            assert_eq!(extract.delimiter, delimiter as u8, "{source}");
            assert!(
                extract.column("name").is_some(),
                "{source}: {:?}",
                extract.columns()
            );
            let rows = rows(extract);
            assert!(rows.len() > 100, "{source}");
            let errors: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
            assert!(errors.is_empty(), "{source}: {errors:?}");
        }
    }
}
