//! An extract file as rows: encoding, delimiter and header detected,
//! streamed, each row with its line number (the header is line 1).
//!
//! Records are parsed into buffers of a fixed size, so no file, however
//! hostile, makes the reader hold more than they do: a row past the bounds
//! below is read to its end without being kept and rejected with its line;
//! a header past them makes the file unusable.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};

use csv_core::{ReadRecordResult, Terminator};

use crate::domain::text_enum;

use super::cp1251;

/// How much of the file is looked at to detect encoding and delimiter.
const SNIFF_BYTES: usize = 64 * 1024;
/// A field longer than this is refused (names and addresses are far shorter).
pub const MAX_FIELD_CHARS: usize = 1_000;
/// The most bytes a row's fields may take as UTF-8, quotes and delimiters
/// not counted. The widest source (tax) has 13 columns: even every one of
/// them at `MAX_FIELD_CHARS` characters of 4 bytes takes 52,000 bytes; the
/// longest row of the bundled samples takes 227.
pub const MAX_ROW_BYTES: usize = 64 * 1024;
/// The most bytes the header's column names may take; the longest header
/// of the bundled samples takes 151.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most columns a header, and so fields a row, may have; the widest
/// source has 13.
pub const MAX_COLUMNS: usize = 256;
/// The longest column name, in characters; the contract's longest,
/// `tax_registration_date`, has 21.
pub const MAX_COLUMN_NAME_CHARS: usize = 64;
/// How much of the text is read from the file at a time.
const READ_BYTES: usize = 64 * 1024;
/// Why a row that is not UTF-8 is rejected, with the way out.
const NOT_UTF8: &str = "not valid UTF-8 (give --encoding windows-1251 for a Cyrillic code page)";

// The header is read into the rows' buffer.
const _: () = assert!(MAX_HEADER_BYTES <= MAX_ROW_BYTES);

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
    /// The header is longer than any extract's.
    #[error("the header is longer than {MAX_HEADER_BYTES} bytes: expected a line of column names")]
    HeaderTooLong,
    /// The header has more columns than any extract.
    #[error("the header has more than {MAX_COLUMNS} columns")]
    TooManyColumns,
    /// A column name longer than any extract's (its beginning is kept).
    #[error("the header's column {0:?}… is longer than {MAX_COLUMN_NAME_CHARS} characters")]
    ColumnNameTooLong(String),
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
    /// The fields end to end. With `ends`, two allocations a row, each of
    /// its exact size (the csv crate grew both by doubling from 4 bytes).
    text: Box<str>,
    /// Where each field ends in `text`.
    ends: Box<[usize]>,
}

impl Row {
    /// A field by column index, trimmed; `None` when empty.
    pub fn get(&self, index: Option<usize>) -> Option<&str> {
        let position = index?;
        let end = *self.ends.get(position)?;
        let start = match position {
            0 => 0,
            _ => self.ends[position - 1],
        };
        let value = self.text[start..end].trim();
        (!value.is_empty()).then_some(value)
    }
}

/// An open extract: its header, and its rows as an iterator.
pub struct Extract {
    records: Records,
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
        // Windows-1251 leaves ASCII as it is: the raw bytes tell the delimiter.
        let delimiter = sniff_delimiter(&prefix);
        let rest: Box<dyn Read + Send> = Box::new(io::Cursor::new(prefix).chain(input));
        let text: Box<dyn Read + Send> = match encoding {
            Encoding::Utf8 => rest,
            Encoding::Windows1251 => Box::new(Cp1251Reader::new(rest)),
        };
        let mut records = Records::new(text, delimiter);
        let columns = read_header(&mut records)?;
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
            records,
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

    /// Checks a record read against the header and the rules for fields.
    fn row(&self, record: Record) -> Result<Row, RowError> {
        let reject = |line: u64, position: Option<usize>, reason: String| RowError {
            line,
            column: position.map(|p| self.columns[p].clone()),
            reason,
        };
        let (line, bytes, count) = match record {
            Record::Fits { line, bytes, count } => (line, bytes, count),
            Record::Over {
                line,
                bound: Bound::Bytes,
            } => {
                let reason = format!("the row is longer than {MAX_ROW_BYTES} bytes");
                return Err(reject(line, None, reason));
            }
            Record::Over {
                line,
                bound: Bound::Fields,
            } => {
                let expected = self.columns.len();
                let reason = format!("expected {expected} fields, found more than {MAX_COLUMNS}");
                return Err(reject(line, None, reason));
            }
        };
        let Some((text, ends)) = self.records.as_text(bytes, count) else {
            return Err(reject(line, None, NOT_UTF8.to_owned()));
        };
        if count != self.columns.len() {
            let reason = format!("expected {} fields, found {count}", self.columns.len());
            return Err(reject(line, None, reason));
        }
        if let Some(position) = split(text, ends).position(longer_than_allowed) {
            let reason = format!("longer than {MAX_FIELD_CHARS} characters");
            return Err(reject(line, Some(position), reason));
        }
        // Binary garbage past the sniffed beginning: refuse the row, never store a NUL.
        if let Some(position) = split(text, ends).position(|f| f.contains('\0')) {
            let reason = "contains a NUL byte: not text".to_owned();
            return Err(reject(line, Some(position), reason));
        }
        Ok(Row {
            line,
            text: text.into(),
            ends: ends.into(),
        })
    }
}

impl Iterator for Extract {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.records.read(MAX_ROW_BYTES, MAX_COLUMNS) {
            Ok(Some(record)) => Some(self.row(record)),
            Ok(None) => None,
            Err(error) => Some(Err(RowError {
                line: self.records.line(),
                column: None,
                reason: format!("cannot read the file: {error}"),
            })),
        }
    }
}

/// Reads the header within its bounds: the column names, trimmed and lowercased.
fn read_header(records: &mut Records) -> Result<Vec<String>, FileError> {
    let (bytes, count) = match records.read(MAX_HEADER_BYTES, MAX_COLUMNS)? {
        Some(Record::Fits { bytes, count, .. }) => (bytes, count),
        Some(Record::Over {
            bound: Bound::Bytes,
            ..
        }) => return Err(FileError::HeaderTooLong),
        Some(Record::Over {
            bound: Bound::Fields,
            ..
        }) => return Err(FileError::TooManyColumns),
        None => return Err(FileError::Empty),
    };
    let (text, ends) = records
        .as_text(bytes, count)
        .ok_or_else(|| FileError::Header(NOT_UTF8.to_owned()))?;
    let mut columns = Vec::with_capacity(count);
    for name in split(text, ends).map(str::trim) {
        if name.chars().count() > MAX_COLUMN_NAME_CHARS {
            let beginning = name.chars().take(MAX_COLUMN_NAME_CHARS).collect();
            return Err(FileError::ColumnNameTooLong(beginning));
        }
        columns.push(name.to_lowercase());
    }
    Ok(columns)
}

/// A record's fields, given the text they take end to end and where each ends.
fn split<'a>(text: &'a str, ends: &'a [usize]) -> impl Iterator<Item = &'a str> + 'a {
    let starts = std::iter::once(0).chain(ends.iter().copied());
    starts.zip(ends).map(|(start, end)| &text[start..*end])
}

/// Whether a field has more than `MAX_FIELD_CHARS` characters (counted
/// only when its bytes could be that many).
fn longer_than_allowed(field: &str) -> bool {
    field.len() > MAX_FIELD_CHARS && field.chars().count() > MAX_FIELD_CHARS
}

/// Which bound a record went past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// Its fields take more bytes than allowed.
    Bytes,
    /// It has more fields than allowed.
    Fields,
}

/// One record as the parser found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    /// Within the bounds: its fields are in the parser's buffers.
    Fits {
        /// The line it starts on.
        line: u64,
        /// The bytes its fields take in `Records::fields`.
        bytes: usize,
        /// How many fields it has.
        count: usize,
    },
    /// Past a bound: read to its end, nothing of it kept.
    Over {
        /// The line it starts on.
        line: u64,
        /// The bound it went past.
        bound: Bound,
    },
}

/// The CSV parser over the text, with buffers of a fixed size allocated
/// once: a record that does not fit is read on to its end into the same
/// buffers and reported, never grown into.
struct Records {
    text: BufReader<Box<dyn Read + Send>>,
    parser: csv_core::Reader,
    /// The fields of the record read last, end to end; one byte more than
    /// a row may take, so that filling it tells the row is too long.
    fields: Box<[u8]>,
    /// Where each field of the record read last ends in `fields`.
    ends: Box<[usize]>,
    /// The end of the text, or a read error: nothing more will be read.
    finished: bool,
}

impl Records {
    /// A parser of `text`, its fields separated by `delimiter`.
    fn new(text: Box<dyn Read + Send>, delimiter: u8) -> Self {
        let parser = csv_core::ReaderBuilder::new()
            .delimiter(delimiter)
            // Only `\n` ends a record: with `\r` ending one too, a CRLF file's
            // lines are counted one short. A stray `\r` is trimmed with the field.
            .terminator(Terminator::Any(b'\n'))
            .build();
        Records {
            text: BufReader::with_capacity(READ_BYTES, text),
            parser,
            fields: vec![0; MAX_ROW_BYTES + 1].into_boxed_slice(),
            ends: vec![0; MAX_COLUMNS].into_boxed_slice(),
            finished: false,
        }
    }

    /// Reads the next record, of at most `max_bytes` in at most
    /// `max_fields` fields; `None` at the end of the text.
    fn read(&mut self, max_bytes: usize, max_fields: usize) -> io::Result<Option<Record>> {
        if self.finished {
            return Ok(None);
        }
        let record = self.parse(max_bytes, max_fields);
        // After an error, stop: the iterator ends rather than retry for ever.
        self.finished = !matches!(record, Ok(Some(_)));
        record
    }

    /// Reads one record, as `read` says, from the start of a record.
    fn parse(&mut self, max_bytes: usize, max_fields: usize) -> io::Result<Option<Record>> {
        self.skip_blank_lines()?;
        let line = self.parser.line();
        let (mut bytes, mut count) = (0, 0);
        let mut over = None;
        loop {
            let input = self.text.fill_buf()?;
            let (result, read, written, ended) = self.parser.read_record(
                input,
                &mut self.fields[bytes..=max_bytes],
                &mut self.ends[count..max_fields],
            );
            self.text.consume(read);
            bytes += written;
            count += ended;
            // Past a bound, the rest of the record is read over what was read
            // of it: the record is rejected whole, and memory stays as it was.
            if bytes > max_bytes {
                over = over.or(Some(Bound::Bytes));
                bytes = 0;
            }
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::OutputFull => {}
                ReadRecordResult::OutputEndsFull => {
                    over = over.or(Some(Bound::Fields));
                    count = 0;
                }
                ReadRecordResult::Record => {
                    return Ok(Some(match over {
                        None => Record::Fits { line, bytes, count },
                        Some(bound) => Record::Over { line, bound },
                    }));
                }
                ReadRecordResult::End => return Ok(None),
            }
        }
    }

    /// The line the parser is on.
    fn line(&self) -> u64 {
        self.parser.line()
    }

    /// Steps over empty lines before a record, so that the line taken for
    /// it is the one it starts on (the parser would skip them later).
    fn skip_blank_lines(&mut self) -> io::Result<()> {
        loop {
            let input = self.text.fill_buf()?;
            let blank = input.iter().take_while(|byte| **byte == b'\n').count();
            if blank == 0 {
                return Ok(());
            }
            self.text.consume(blank);
            self.parser.set_line(self.parser.line() + blank as u64);
        }
    }

    /// The fields of the record read last as text, and where each ends;
    /// `None` unless every field is UTF-8.
    fn as_text(&self, bytes: usize, count: usize) -> Option<(&str, &[usize])> {
        let text = std::str::from_utf8(&self.fields[..bytes]).ok()?;
        let ends = &self.ends[..count];
        // Two fields of broken UTF-8 can make a valid character end to end.
        ends.iter()
            .all(|end| text.is_char_boundary(*end))
            .then_some((text, ends))
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

/// Finds the delimiter from the header line at the beginning of the file:
/// `;` when it has more semicolons than commas outside quotes, else `,`.
/// A header longer than the beginning is refused when it is read.
fn sniff_delimiter(beginning: &[u8]) -> u8 {
    let mut in_quotes = false;
    let (mut commas, mut semicolons) = (0, 0);
    for byte in beginning {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => commas += 1,
            b';' if !in_quotes => semicolons += 1,
            b'\n' if !in_quotes => break,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
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

    fn fields(row: &Row) -> Vec<String> {
        split(&row.text, &row.ends).map(str::to_owned).collect()
    }

    fn rows(extract: Extract) -> Vec<Result<(u64, Vec<String>), RowError>> {
        extract
            .map(|row| row.map(|row| (row.line, fields(&row))))
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

    /// Lines of `a,b` rows around `middle`, which starts on line 3.
    fn around(middle: &str) -> Vec<u8> {
        format!("a,b\n1,2\n{middle}\n3,4\n").into_bytes()
    }

    fn line_and_reason(row: &Result<(u64, Vec<String>), RowError>) -> (u64, Option<&str>, &str) {
        let error = row.as_ref().unwrap_err();
        (error.line, error.column.as_deref(), error.reason.as_str())
    }

    const ROW_TOO_LONG: &str = "the row is longer than 65536 bytes";

    #[test]
    fn a_huge_row_is_rejected_alone_and_the_file_goes_on() {
        let huge = format!("{},x", "y".repeat(4 * MAX_ROW_BYTES));
        let rows = rows(open(&around(&huge)).unwrap());
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], Ok((2, vec!["1".into(), "2".into()])));
        assert_eq!(line_and_reason(&rows[1]), (3, None, ROW_TOO_LONG));
        assert_eq!(rows[2], Ok((4, vec!["3".into(), "4".into()])));
    }

    #[test]
    fn a_huge_quoted_field_over_many_lines_keeps_later_lines_right() {
        let huge = format!("1,\"{}\"", "many words\n".repeat(MAX_ROW_BYTES / 5));
        let newlines = (MAX_ROW_BYTES / 5) as u64;
        let rows = rows(open(&around(&huge)).unwrap());
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].as_ref().unwrap().0, 2);
        assert_eq!(line_and_reason(&rows[1]), (3, None, ROW_TOO_LONG));
        assert_eq!(rows[2], Ok((4 + newlines, vec!["3".into(), "4".into()])));
    }

    #[test]
    fn a_huge_last_row_without_a_newline_is_rejected() {
        let text = format!("a,b\n1,2\n{}", "z".repeat(2 * MAX_ROW_BYTES));
        let rows = rows(open(text.as_bytes()).unwrap());
        assert_eq!(rows.len(), 2);
        assert_eq!(line_and_reason(&rows[1]), (3, None, ROW_TOO_LONG));
    }

    #[test]
    fn a_row_of_a_million_fields_is_rejected() {
        let rows = rows(open(&around(&",".repeat(999_999))).unwrap());
        assert_eq!(rows.len(), 3);
        assert_eq!(
            line_and_reason(&rows[1]),
            (3, None, "expected 2 fields, found more than 256")
        );
        assert_eq!(rows[2].as_ref().unwrap().0, 4);
    }

    #[test]
    fn a_row_may_take_exactly_its_bound_and_not_a_byte_more() {
        // 128 fields of 512 bytes: 65,536 bytes, each field under MAX_FIELD_CHARS.
        let header = (0..128).map(|n| format!("c{n}")).collect::<Vec<_>>();
        let fields = vec!["x".repeat(512); 128];
        let exact = fields.join(",");
        let over = format!("{exact}x");
        let text = format!("{}\n{exact}\n{over}\n", header.join(","));
        let rows = rows(open(text.as_bytes()).unwrap());
        assert_eq!(rows[0].as_ref().unwrap().1, fields);
        assert_eq!(line_and_reason(&rows[1]), (3, None, ROW_TOO_LONG));
    }

    #[test]
    fn a_huge_header_makes_the_file_unusable() {
        let text = format!("a,{}\n1,2\n", "b".repeat(MAX_HEADER_BYTES));
        let error = open(text.as_bytes()).err().unwrap();
        assert!(matches!(error, FileError::HeaderTooLong), "{error:?}");
        assert_eq!(
            error.to_string(),
            "the header is longer than 16384 bytes: expected a line of column names"
        );
        // Longer than the part of the file sniffed for the delimiter, too.
        let longer = format!("{}\n1\n", "x".repeat(4 * SNIFF_BYTES));
        assert!(matches!(
            open(longer.as_bytes()),
            Err(FileError::HeaderTooLong)
        ));
    }

    #[test]
    fn a_header_of_a_million_columns_makes_the_file_unusable() {
        let text = format!("{}\n1\n", ",".repeat(999_999));
        let error = open(text.as_bytes()).err().unwrap();
        assert!(matches!(error, FileError::TooManyColumns), "{error:?}");
        assert_eq!(error.to_string(), "the header has more than 256 columns");
        let widest: Vec<String> = (0..MAX_COLUMNS).map(|n| format!("c{n}")).collect();
        let extract = open(format!("{}\n", widest.join(",")).as_bytes()).unwrap();
        assert_eq!(extract.columns(), widest);
    }

    #[test]
    fn a_column_name_too_long_makes_the_file_unusable() {
        let longest = "n".repeat(MAX_COLUMN_NAME_CHARS);
        let extract = open(format!("a,{longest}\n").as_bytes()).unwrap();
        assert_eq!(extract.column(&longest), Some(1));
        let text = format!("a, {longest}é \n");
        let error = open(text.as_bytes()).err().unwrap();
        let FileError::ColumnNameTooLong(beginning) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(beginning, &longest);
        assert!(error.to_string().ends_with("is longer than 64 characters"));
    }

    #[test]
    fn blank_lines_are_skipped_and_a_row_keeps_the_line_it_starts_on() {
        let rows = rows(open(b"\na,b\n\n\n1,2\n\n3,4").unwrap());
        let lines: Vec<u64> = rows.iter().map(|r| r.as_ref().unwrap().0).collect();
        assert_eq!(lines, [5, 7]);
    }

    #[test]
    fn fields_whose_broken_bytes_join_into_a_character_are_not_utf8() {
        // 0xD0 0x90 is "А": split between two fields, neither is text.
        let input = io::Cursor::new(b"a,b\n\xD0,\x90\n1,2\n".to_vec());
        let rows = rows(Extract::open(input, Some(Encoding::Utf8)).unwrap());
        assert_eq!(line_and_reason(&rows[0]), (2, None, NOT_UTF8));
        assert_eq!(rows[1].as_ref().unwrap().0, 3);
    }
}
