//! `ReplicationMetrics`: every replication's metrics as one table.
//!
//! The metric names are the same list in every replication (one
//! `MetricsCollector`), so they are kept once and each replication adds
//! only its values: 16 bytes a metric, where a `Vec<Metric>` per
//! replication would repeat every name (some 14 KB a replication, 1.4 GB for
//! 100,000 replications).

use crate::report::{Metric, MetricSummary, summarize_sample};

/// The metrics of each replication of a run, in replication order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicationMetrics {
    names: Vec<String>,
    /// Row-major: replication `r`'s values are `values[r * names.len()..][..names.len()]`.
    values: Vec<Option<f64>>,
    n_replications: usize,
}

impl ReplicationMetrics {
    /// No replication yet.
    pub fn new() -> ReplicationMetrics {
        ReplicationMetrics::default()
    }

    /// Adds the next replication's metrics, which must be the same list as
    /// every earlier one's.
    pub fn push(&mut self, metrics: Vec<Metric>) {
        if self.n_replications == 0 {
            self.names = metrics.iter().map(|metric| metric.name.clone()).collect();
        }
        assert!(
            metrics.len() == self.names.len()
                && metrics
                    .iter()
                    .zip(&self.names)
                    .all(|(metric, name)| &metric.name == name),
            "replications hold different metric lists"
        );
        self.values
            .extend(metrics.iter().map(|metric| metric.value));
        self.n_replications += 1;
    }

    /// Replications held.
    pub fn len(&self) -> usize {
        self.n_replications
    }

    pub fn is_empty(&self) -> bool {
        self.n_replications == 0
    }

    /// The metric names, in `summary.csv` order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The values of replication `replication`, in `names()` order.
    pub fn values(&self, replication: usize) -> &[Option<f64>] {
        let width = self.names.len();
        &self.values[replication * width..][..width]
    }

    /// The metrics of replication `replication`.
    pub fn replication(&self, replication: usize) -> Vec<Metric> {
        self.names
            .iter()
            .zip(self.values(replication))
            .map(|(name, &value)| Metric {
                name: name.clone(),
                value,
            })
            .collect()
    }

    /// Each metric summarized over the replications (the values it has, in
    /// replication order), as `report::summarize_replications` does.
    pub fn summaries(&self) -> Vec<MetricSummary> {
        let mut column = Vec::with_capacity(self.n_replications);
        self.names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                column.clear();
                column.extend((0..self.n_replications).filter_map(|r| self.values(r)[index]));
                MetricSummary {
                    name: name.clone(),
                    summary: summarize_sample(&column),
                }
            })
            .collect()
    }
}

impl From<Vec<Vec<Metric>>> for ReplicationMetrics {
    fn from(per_replication: Vec<Vec<Metric>>) -> ReplicationMetrics {
        let mut table = ReplicationMetrics::new();
        for metrics in per_replication {
            table.push(metrics);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::summarize_replications;

    fn replication(values: [Option<f64>; 2]) -> Vec<Metric> {
        ["a", "b"]
            .into_iter()
            .zip(values)
            .map(|(name, value)| Metric {
                name: name.to_string(),
                value,
            })
            .collect()
    }

    #[test]
    fn summaries_match_the_per_replication_lists() {
        let per_replication = vec![
            replication([Some(1.0), None]),
            replication([Some(2.5), Some(4.0)]),
            replication([Some(0.1), Some(7.0)]),
        ];
        let table = ReplicationMetrics::from(per_replication.clone());
        assert_eq!(table.len(), 3);
        assert_eq!(table.replication(1), per_replication[1]);
        assert_eq!(table.summaries(), summarize_replications(&per_replication));
    }
}
