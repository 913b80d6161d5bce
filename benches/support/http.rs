//! A minimal HTTP/1.1 client: GET and JSON POST, keep-alive, one connection, over
//! `std::net::TcpStream`. Enough to drive a loopback server from plain
//! threads (one per client) without adding a dependency or an async runtime
//! whose own scheduling would show up in the latencies.
//!
//! Std only. Answers are read by `Content-Length` (what actix-web sends for
//! JSON) or, should a server stream one, by chunks.

// Several targets may include this file and each uses a different part of it.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One answer.
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The body, as sent.
    pub body: Vec<u8>,
}

/// A keep-alive connection to one server, reopened when the server closes it.
pub struct Client {
    address: String,
    connection: Option<BufReader<TcpStream>>,
    request: Vec<u8>,
}

impl Client {
    /// A client of `host:port`; it connects on the first request.
    pub fn new(address: &str) -> Client {
        Client {
            address: address.to_owned(),
            connection: None,
            request: Vec::with_capacity(512),
        }
    }

    /// `GET target` (a path with its query string, already percent-encoded).
    pub fn get(&mut self, target: &str) -> io::Result<Response> {
        self.request.clear();
        write!(
            self.request,
            "GET {target} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\r\n",
            self.address
        )?;
        self.send()
    }

    /// `POST target` with a JSON body and extra headers (`Name: value` lines).
    pub fn post_json(
        &mut self,
        target: &str,
        headers: &[String],
        body: &[u8],
    ) -> io::Result<Response> {
        self.request.clear();
        write!(
            self.request,
            "POST {target} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        )?;
        for header in headers {
            write!(self.request, "{header}\r\n")?;
        }
        self.request.extend_from_slice(b"\r\n");
        self.request.extend_from_slice(body);
        self.send()
    }

    fn send(&mut self) -> io::Result<Response> {
        // A kept-alive connection may have been closed by the server since
        // the last answer: that shows as an error before any byte of the new
        // answer, and one retry on a fresh connection is then right.
        let reused = self.connection.is_some();
        match self.exchange() {
            Ok(response) => Ok(response),
            Err(_) if reused => {
                self.connection = None;
                self.exchange()
            }
            Err(error) => Err(error),
        }
    }

    fn exchange(&mut self) -> io::Result<Response> {
        if self.connection.is_none() {
            let stream = TcpStream::connect(&self.address)?;
            // Requests are small and one at a time: do not wait to batch them.
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(30)))?;
            self.connection = Some(BufReader::with_capacity(64 * 1024, stream));
        }
        let connection = self
            .connection
            .as_mut()
            .ok_or_else(|| io::Error::other("no connection"))?;
        connection.get_mut().write_all(&self.request)?;
        let result = read_response(connection);
        match &result {
            Ok((_, keep_alive)) if *keep_alive => {}
            // Closed by the server, or in an unknown state after an error.
            _ => self.connection = None,
        }
        result.map(|(response, _)| response)
    }
}

/// Reads one answer; says whether the connection may be used again.
fn read_response(reader: &mut BufReader<TcpStream>) -> io::Result<(Response, bool)> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(format!("not an HTTP status line: {line:?}")))?;
    let (mut length, mut chunked, mut keep_alive) = (None, false, true);
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse().map_err(|_| invalid("bad content-length"))?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        }
    }
    let body = match (length, chunked) {
        (Some(length), false) => {
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            body
        }
        (_, true) => read_chunks(reader)?,
        (None, false) => return Err(invalid("an answer without a length")),
    };
    Ok((Response { status, body }, keep_alive))
}

/// A chunked body: `SIZE\r\nDATA\r\n` until a zero size, then trailers.
fn read_chunks(reader: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers, if any, up to an empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}
