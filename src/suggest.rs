//! "Did you mean …?" for names the user typed: checks, rule ids,
//! parameters. The same similarity clap uses for its own suggestions.

/// The candidate closest to `target` when it is close enough to be what
/// was meant: a misspelling, a singular for a plural, `_` for `-`. Ties go
/// to the first candidate.
pub fn did_you_mean<'a>(
    target: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let target = target.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&target, candidate);
        if score >= 0.85 && best.is_none_or(|(top, _)| score > top) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// ` (did you mean `x`?)`, or nothing when no candidate is close.
pub fn hint<'a>(target: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(target, candidates)
        .map(|name| format!("did you mean `{name}`? "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_are_not() {
        let checks = ["cycles", "layers", "cross-service-db"];
        assert_eq!(did_you_mean("cycle", checks), Some("cycles"));
        assert_eq!(
            did_you_mean("Cross_Service-DB", checks),
            Some("cross-service-db")
        );
        assert_eq!(did_you_mean("quanta", checks), None);
        assert_eq!(hint("layer", checks), "did you mean `layers`? ");
        assert_eq!(hint("metrics", checks), "");
    }
}
