//! Deterministic essay analysis (what the old design did with spaCy): paragraphs, sentences and words
//! by Unicode rules, readability metrics, and rule-based inline comments whose anchors are exact.
//! It sees the whole essay, also when the model only sees the part that fits its context.

mod metrics;
mod rules;
mod segment;

pub use metrics::Metrics;
pub use rules::Finding;
pub use segment::Essay;

pub struct Analysis {
    pub metrics: Metrics,
    pub findings: Vec<Finding>,
}

pub fn analyze(text: &str) -> Analysis {
    let essay = Essay::segment(text);
    Analysis {
        metrics: Metrics::of(&essay),
        findings: rules::check(&essay),
    }
}
