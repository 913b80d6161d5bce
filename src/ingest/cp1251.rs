//! Windows-1251, the code page of legacy exports from Cyrillic systems.

/// The characters of bytes 0x80..=0xFF (0x98 is unassigned).
const HIGH: [char; 128] = [
    'Ђ', 'Ѓ', '‚', 'ѓ', '„', '…', '†', '‡', '€', '‰', 'Љ', '‹', 'Њ', 'Ќ', 'Ћ', 'Џ', //
    'ђ', '‘', '’', '“', '”', '•', '–', '—', '\u{FFFD}', '™', 'љ', '›', 'њ', 'ќ', 'ћ', 'џ', //
    '\u{A0}', 'Ў', 'ў', 'Ј', '¤', 'Ґ', '¦', '§', 'Ё', '©', 'Є', '«', '¬', '\u{AD}', '®',
    'Ї', //
    '°', '±', 'І', 'і', 'ґ', 'µ', '¶', '·', 'ё', '№', 'є', '»', 'ј', 'Ѕ', 'ѕ', 'ї', //
    'А', 'Б', 'В', 'Г', 'Д', 'Е', 'Ж', 'З', 'И', 'Й', 'К', 'Л', 'М', 'Н', 'О', 'П', //
    'Р', 'С', 'Т', 'У', 'Ф', 'Х', 'Ц', 'Ч', 'Ш', 'Щ', 'Ъ', 'Ы', 'Ь', 'Э', 'Ю', 'Я', //
    'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'й', 'к', 'л', 'м', 'н', 'о', 'п', //
    'р', 'с', 'т', 'у', 'ф', 'х', 'ц', 'ч', 'ш', 'щ', 'ъ', 'ы', 'ь', 'э', 'ю', 'я', //
];

/// Decodes Windows-1251 bytes, appending UTF-8 to `out`.
pub fn decode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let mut buffer = [0_u8; 4];
    for byte in bytes {
        if byte.is_ascii() {
            out.push(*byte);
        } else {
            let c = HIGH[usize::from(byte - 0x80)];
            out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_russian() {
        // "ХО «Ак йол»" in Windows-1251.
        let bytes = [
            0xD5, 0xCE, b' ', 0xAB, 0xC0, 0xEA, b' ', 0xE9, 0xEE, 0xEB, 0xBB,
        ];
        let mut out = Vec::new();
        decode_into(&bytes, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "ХО «Ак йол»");
    }
}
