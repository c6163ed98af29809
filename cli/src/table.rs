//! Tables for the reports: padded columns for a terminal, or Markdown.

/// Renders a header and rows; an empty table says "(none)".
pub fn render(header: &[&str], rows: Vec<Vec<String>>, markdown: bool) -> String {
    if rows.is_empty() {
        return if markdown {
            "(none)\n".into()
        } else {
            "  (none)\n".into()
        };
    }
    if markdown {
        return markdown_table(header, &rows);
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::from(" ");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            s.push(' ');
            s.push_str(cell);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w - cell.chars().count() + 1));
            }
        }
        let mut s = s.trim_end().to_owned();
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let escape = |s: &str| s.replace('|', "\\|");
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_and_markdown() {
        let rows = vec![
            vec!["_ga".into(), "x".into()],
            vec!["session".into(), "".into()],
        ];
        assert_eq!(
            render(&["NAME", "BEFORE"], rows.clone(), false),
            "  NAME     BEFORE\n  _ga      x\n  session\n"
        );
        assert_eq!(
            render(&["NAME", "B"], rows, true),
            "| NAME | B |\n|---|---|\n| _ga | x |\n| session |  |\n"
        );
        assert_eq!(render(&["A"], vec![], false), "  (none)\n");
    }
}
