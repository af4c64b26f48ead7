//! `explain` for a terminal: its Markdown rendered as plain text that reads
//! without knowing Markdown. Headings are underlined, paragraphs reflowed
//! to a fixed width, lists get bullets and hanging indents, code blocks are
//! indented without fences, tables are aligned (or, when too wide, shown a
//! row at a time), emphasis markers and HTML comments go. Inline code keeps
//! its backticks, as rustc's messages do. Piped or with `--format markdown`
//! the Markdown itself is printed.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// How `explain` prints (its `--format` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    /// Plain text for a terminal (the default on a terminal).
    Text,
    /// The Markdown source (the default when piped or written to a file).
    Markdown,
}

/// Lines are reflowed to this width, whatever the terminal: the output is
/// the same everywhere, and 80 columns read well in any terminal.
const WIDTH: usize = 80;

/// Columns before a list's bullet, and before a code block's lines.
const LIST_INDENT: usize = 2;
const CODE_INDENT: usize = 4;

/// `markdown` as plain text; ends with one newline.
pub fn render_text(markdown: &str) -> String {
    let mut writer = Writer::default();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        writer.event(event);
    }
    writer.flush();
    let mut out = writer.out.trim_end().to_owned();
    out.push('\n');
    out
}

#[derive(Default)]
struct Writer {
    out: String,
    /// The text of the paragraph, heading, list item or table cell being read.
    inline: String,
    /// Open lists, innermost last.
    lists: Vec<List>,
    /// The bullet of an item whose first line is not written yet.
    bullet: Option<String>,
    /// Link targets, to write after the link's text.
    links: Vec<String>,
    /// Inside a code block: its text so far.
    code: Option<String>,
    table: Option<Table>,
    /// Inside a block quote (nested ones count).
    quotes: usize,
}

struct List {
    /// The next number of an ordered list.
    next: Option<u64>,
    /// The column an item's text starts at.
    content: usize,
}

#[derive(Default)]
struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    row: Vec<String>,
}

impl Writer {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => match &mut self.code {
                Some(code) => code.push_str(&text),
                None => self.inline.push_str(&text),
            },
            Event::Code(code) => {
                self.inline.push('`');
                self.inline.push_str(&code);
                self.inline.push('`');
            }
            Event::SoftBreak => self.inline.push(' '),
            Event::HardBreak => self.inline.push('\n'),
            Event::Rule => {
                self.flush();
                self.out.push_str(&"─".repeat(WIDTH / 2));
                self.out.push_str("\n\n");
            }
            Event::TaskListMarker(done) => self.inline.push_str(if done { "[x] " } else { "[ ] " }),
            // Comments and markup meant for a browser, and math or
            // footnotes (not enabled), have no plain-text form.
            Event::Html(_)
            | Event::InlineHtml(_)
            | Event::FootnoteReference(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { .. } | Tag::Paragraph => self.flush(),
            Tag::List(start) => {
                self.flush();
                let content = self.indent();
                self.lists.push(List {
                    next: start,
                    content,
                });
            }
            Tag::Item => {
                self.flush();
                let outer = match self.lists.len() {
                    0 | 1 => LIST_INDENT,
                    n => self.lists[n - 2].content,
                };
                let marker = match self.lists.last_mut().and_then(|l| l.next.as_mut()) {
                    Some(next) => {
                        *next += 1;
                        format!("{}.", *next - 1)
                    }
                    None => "•".to_owned(),
                };
                if let Some(list) = self.lists.last_mut() {
                    list.content = outer + marker.chars().count() + 1;
                }
                self.bullet = Some(format!("{}{marker} ", " ".repeat(outer)));
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code = Some(String::new());
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quotes += 1;
            }
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push(dest_url.into_string());
            }
            Tag::Table(_) => {
                self.flush();
                self.table = Some(Table::default());
            }
            Tag::TableHead | Tag::TableRow | Tag::TableCell => self.inline.clear(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(level) => {
                let title = std::mem::take(&mut self.inline);
                let title = title.trim();
                let width = title.chars().count();
                self.out.push_str(title);
                self.out.push('\n');
                match level {
                    HeadingLevel::H1 => self.out.push_str(&"=".repeat(width)),
                    HeadingLevel::H2 => self.out.push_str(&"-".repeat(width)),
                    _ => {}
                }
                if matches!(level, HeadingLevel::H1 | HeadingLevel::H2) {
                    self.out.push('\n');
                }
                self.out.push('\n');
            }
            TagEnd::Paragraph => {
                self.flush();
                // Items of a tight list follow each other without a gap.
                self.out.push('\n');
            }
            TagEnd::Item => self.flush(),
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                if self.lists.is_empty() && !self.out.ends_with("\n\n") {
                    self.out.push('\n');
                }
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                let indent = " ".repeat(self.indent() + CODE_INDENT);
                if let Some(bullet) = self.bullet.take() {
                    self.out.push_str(bullet.trim_end());
                    self.out.push('\n');
                }
                for line in code.trim_end_matches('\n').lines() {
                    if !line.trim().is_empty() {
                        self.out.push_str(&indent);
                        self.out.push_str(line);
                    }
                    self.out.push('\n');
                }
                self.out.push('\n');
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quotes = self.quotes.saturating_sub(1);
            }
            TagEnd::Link | TagEnd::Image => {
                let url = self.links.pop().unwrap_or_default();
                // A bare URL (`<https://…>`) is its own text.
                if !url.is_empty() && !self.inline.ends_with(&url) {
                    self.inline.push_str(&format!(" ({url})"));
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline).trim().to_owned();
                if let Some(table) = &mut self.table {
                    table.row.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(table) = &mut self.table {
                    table.head = std::mem::take(&mut table.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                }
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.out.push_str(&render_table(&table));
                    self.out.push('\n');
                }
            }
            _ => {}
        }
    }

    /// The column text starts at: inside a list item, after its bullet;
    /// inside a quote, two more.
    fn indent(&self) -> usize {
        self.lists.last().map_or(0, |l| l.content) + 2 * self.quotes
    }

    /// Writes the text read so far, reflowed, the first line after the
    /// pending bullet if any.
    fn flush(&mut self) {
        let text = std::mem::take(&mut self.inline);
        if text.trim().is_empty() {
            return;
        }
        let indent = " ".repeat(self.indent());
        let mut first = self.bullet.take().unwrap_or_else(|| indent.clone());
        if self.quotes > 0 && first.trim().is_empty() {
            first = indent.clone();
        }
        for (i, line) in text.split('\n').enumerate() {
            let lead = if i == 0 {
                first.as_str()
            } else {
                indent.as_str()
            };
            self.out.push_str(&wrap(line, lead, &indent));
        }
    }
}

/// `text` as lines of at most [`WIDTH`] columns (a longer word keeps its
/// own line), the first starting with `first`, the others with `rest`.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_owned();
    let mut empty = true;
    for word in text.split_whitespace() {
        let fits = line.chars().count() + 1 + word.chars().count() <= WIDTH;
        if !empty && !fits {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    if !empty {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Columns aligned under their headings when they fit the width; otherwise
/// each row with its first cell as a title and the others as `heading:
/// value` lines below it, so a long description never runs off screen.
fn render_table(table: &Table) -> String {
    let columns = table
        .rows
        .iter()
        .map(Vec::len)
        .chain([table.head.len()])
        .max()
        .unwrap_or(0);
    let cell = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            std::iter::once(&table.head)
                .chain(&table.rows)
                .map(|row| cell(row, i).chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let total = LIST_INDENT + widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
    let mut out = String::new();
    if total <= WIDTH {
        let line = |row: &[String]| {
            let mut text = " ".repeat(LIST_INDENT);
            for (i, width) in widths.iter().enumerate() {
                let value = cell(row, i);
                text.push_str(&value);
                text.push_str(&" ".repeat(width - value.chars().count() + 2));
            }
            format!("{}\n", text.trim_end())
        };
        out.push_str(&line(&table.head));
        let rules: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        out.push_str(&line(&rules));
        for row in &table.rows {
            out.push_str(&line(row));
        }
        return out;
    }
    let title = " ".repeat(LIST_INDENT);
    let detail = " ".repeat(LIST_INDENT + CODE_INDENT);
    let hanging = " ".repeat(LIST_INDENT + 2 * CODE_INDENT);
    for row in &table.rows {
        out.push_str(&wrap(&cell(row, 0), &title, &title));
        for i in 1..columns {
            let value = cell(row, i);
            if value.is_empty() {
                continue;
            }
            let heading = cell(&table.head, i);
            let text = if heading.is_empty() {
                value
            } else {
                format!("{heading}: {value}")
            };
            out.push_str(&wrap(&text, &detail, &hanging));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render_text;

    #[test]
    fn headings_are_underlined_and_emphasis_markers_go() {
        let text = render_text("# cycles\n\nDependency **cycles** between *modules*.\n\n## Why\n\n### Levels\n\nPick one.\n");
        assert_eq!(
            text,
            "cycles\n======\n\nDependency cycles between modules.\n\nWhy\n---\n\nLevels\n\nPick one.\n"
        );
    }

    #[test]
    fn paragraphs_are_reflowed_to_eighty_columns() {
        let long = "word ".repeat(40);
        let text = render_text(&format!("{long}\nand a soft\nbreak.\n"));
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(text.ends_with("word word and a soft break.\n"), "{text}");
    }

    #[test]
    fn lists_get_bullets_and_hanging_indents() {
        let long = "the crate graph including every dev-dependency, since cargo allows a dev-dependency cycle";
        let text = render_text(&format!(
            "Levels:\n\n- `module` — modules\n- `crate` — {long}\n  - nested point\n\n1. first\n2. second\n"
        ));
        assert_eq!(
            text,
            "Levels:\n\n  • `module` — modules\n  • `crate` — the crate graph including every dev-dependency, since cargo allows\n    a dev-dependency cycle\n    • nested point\n\n  1. first\n  2. second\n"
        );
    }

    #[test]
    fn code_blocks_are_indented_without_fences() {
        let text = render_text(
            "**Example.**\n```toml\n[[rule]]\nid = \"x\"\n\nlevel = \"crate\"\n```\nAfter.\n",
        );
        assert_eq!(
            text,
            "Example.\n\n    [[rule]]\n    id = \"x\"\n\n    level = \"crate\"\n\nAfter.\n"
        );
        assert!(!text.contains("```"));
    }

    #[test]
    fn a_narrow_table_is_aligned() {
        let text = render_text("| communication | name |\n| --- | --- |\n| sync | Epic Saga |\n| async | Anthology Saga |\n");
        assert_eq!(
            text,
            "  communication  name\n  ─────────────  ──────────────\n  sync           Epic Saga\n  async          Anthology Saga\n"
        );
    }

    #[test]
    fn a_wide_table_shows_a_row_at_a_time() {
        let meaning = "service level: calls whose literal argument is a topic being published, by name or path";
        let text = render_text(&format!(
            "| name | default | meaning |\n| --- | --- | --- |\n| `level` | required | `module`, `crate` or `service` |\n| `publish_methods` | `publish`, `send` | {meaning} |\n"
        ));
        assert_eq!(
            text,
            "  `level`\n      default: required\n      meaning: `module`, `crate` or `service`\n  `publish_methods`\n      default: `publish`, `send`\n      meaning: service level: calls whose literal argument is a topic being\n          published, by name or path\n"
        );
    }

    #[test]
    fn links_show_their_target_and_comments_go() {
        let text = render_text(
            "See [the ADR](docs/adr/0003.md) and <https://example.com>.\n<!-- draft -->\n",
        );
        assert_eq!(
            text,
            "See the ADR (docs/adr/0003.md) and https://example.com.\n"
        );
    }

    #[test]
    fn every_check_doc_renders_without_markdown_syntax() {
        for check in crate::checks::names() {
            let doc = crate::checks::by_name(check).expect("registered").doc;
            let text = render_text(doc);
            for line in text.lines() {
                let trimmed = line.trim_start();
                assert!(!trimmed.starts_with('#'), "{check}: {line}");
                assert!(!trimmed.starts_with("```"), "{check}: {line}");
                assert!(!trimmed.starts_with("| "), "{check}: {line}");
                assert!(!line.contains("**"), "{check}: {line}");
            }
        }
    }
}
