//! The search for the cheapest feasible point of a box of resource counts,
//! given an oracle that says whether a point is feasible.
//!
//! It relies on monotonicity: a point with at least as many of every
//! resource as a feasible one is feasible (more servers never lengthen a
//! queue). Then:
//!
//! 1. **Upper bounds.** The box's top corner `U` is checked; infeasible
//!    there means infeasible everywhere in the box.
//! 2. **Bisection per resource**, the others at `U` (in parallel): `L_i`,
//!    the least value of resource `i` that can be feasible at all. Every
//!    feasible point is at least `L` in every coordinate.
//! 3. **Coordinate descent**, once per resource taking the lead: from `U`,
//!    each resource in turn (the lead first, then by weight, heaviest
//!    first) drops to the least value that keeps the point feasible with the
//!    others where they are, found by galloping up from `L_i` (1, 2, 4, ...
//!    above it) and bisecting the last step; passes repeat until none
//!    changes. Each descent ends at a point where no resource can lose one.
//!    The cheapest of these (the earliest lead on a tie) is the answer.
//! 4. **Trades.** Where resources interact, the cheapest point can lie
//!    between the descents' ends: from the answer, `delta` more of one
//!    resource (1, 2, 4, ...) and the least of another that then keeps the
//!    point feasible; a trade that lowers the cost is taken (then a
//!    descent), until none does. A trade that cannot save more than it
//!    costs (the other resource down to its floor) is not tried.
//! 5. **One less of each.** The answer with one less of each resource (above
//!    the box's floor) is checked; all must be infeasible. Where noise makes
//!    one feasible after all, the descent goes on from there.
//!
//! The oracle is asked in a deterministic order within each branch; branches
//! run in parallel, each request carrying its `Step`, whose order decides
//! the order of the evidence whatever the thread timing.

use rayon::prelude::*;

/// The box searched and the price of each resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Space {
    /// The least value of each resource (at least 1).
    pub min: Vec<u32>,
    /// The largest value of each resource (at least `min`).
    pub max: Vec<u32>,
    /// The cost of one unit of each resource (positive).
    pub weights: Vec<f64>,
}

/// Where in the search a point was asked for. Ordered: the evidence lists
/// points by the first step that asked for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Step {
    pub phase: PhaseKind,
    /// The resource the branch is about (bisection, descent lead, one less).
    pub resource: usize,
    /// Order within the branch.
    pub seq: u32,
}

/// The phases of the search, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhaseKind {
    /// The box's top corner.
    UpperBounds,
    /// Bisection of one resource with the others at their maximum.
    Bisect,
    /// Coordinate descent led by one resource.
    Descend,
    /// A trade along the frontier: more of one resource, less of another.
    Trade,
    /// The answer with one less of one resource.
    OneLess,
}

/// The end of a search.
#[derive(Clone, Debug, PartialEq)]
pub enum SearchOutcome {
    /// The cheapest feasible point found; `one_less[i]` is the point with one
    /// less of resource `i` (checked infeasible), `None` where the answer is
    /// at the box's floor.
    Found {
        answer: Vec<u32>,
        one_less: Vec<Option<Vec<u32>>>,
    },
    /// The box's top corner is infeasible.
    Infeasible { top: Vec<u32> },
}

/// Answers whether a point is feasible; called from several threads at once.
pub trait Oracle: Sync {
    type Error: Send;
    fn feasible(&self, point: &[u32], step: Step) -> Result<bool, Self::Error>;
}

/// One resource's one-less check: the point and whether it is feasible,
/// `None` at the floor of the resource's range.
type OneLessCheck = (usize, Option<(Vec<u32>, bool)>);

/// Most rounds of "one less turned out feasible, descend again": each round
/// lowers the cost, so this only bounds a pathological oracle.
const MAX_ROUNDS: usize = 16;

impl Space {
    pub fn cost(&self, point: &[u32]) -> f64 {
        point
            .iter()
            .zip(&self.weights)
            .map(|(&count, weight)| f64::from(count) * weight)
            .sum()
    }

    fn dims(&self) -> usize {
        self.min.len()
    }
}

/// Runs the search (module doc).
pub fn search<O: Oracle>(space: &Space, oracle: &O) -> Result<SearchOutcome, O::Error> {
    let k = space.dims();
    assert!(
        k > 0 && space.max.len() == k && space.weights.len() == k,
        "a space of {k} resources"
    );
    assert!(
        space.min.iter().zip(&space.max).all(|(lo, hi)| lo <= hi),
        "min <= max"
    );
    let top = space.max.clone();
    let first = Step {
        phase: PhaseKind::UpperBounds,
        resource: 0,
        seq: 0,
    };
    if !oracle.feasible(&top, first)? {
        return Ok(SearchOutcome::Infeasible { top });
    }
    let floors: Vec<u32> = (0..k)
        .into_par_iter()
        .map(|i| bisect(space, oracle, i))
        .collect::<Result<_, _>>()?;
    let descents: Vec<Vec<u32>> = (0..k)
        .into_par_iter()
        .map(|lead| {
            descend(oracle, &floors, &order(space, lead), top.clone(), |seq| {
                Step {
                    phase: PhaseKind::Descend,
                    resource: lead,
                    seq,
                }
            })
        })
        .collect::<Result<_, _>>()?;
    let mut answer = cheapest(space, descents);
    let mut seq_base = 0u32;
    let mut trade_seq = 0u32;
    for _ in 0..MAX_ROUNDS {
        answer = trade(space, oracle, &floors, answer, &mut trade_seq)?;
        let checks: Vec<OneLessCheck> = (0..k)
            .into_par_iter()
            .map(|i| {
                if answer[i] <= space.min[i] {
                    return Ok((i, None));
                }
                let mut point = answer.clone();
                point[i] -= 1;
                let step = Step {
                    phase: PhaseKind::OneLess,
                    resource: i,
                    seq: seq_base,
                };
                let feasible = oracle.feasible(&point, step)?;
                Ok((i, Some((point, feasible))))
            })
            .collect::<Result<_, O::Error>>()?;
        seq_base += 1;
        let lower = checks
            .iter()
            .find_map(|(_, check)| check.as_ref().filter(|(_, feasible)| *feasible));
        match lower {
            None => {
                let one_less = checks
                    .into_iter()
                    .map(|(_, check)| check.map(|(point, _)| point))
                    .collect();
                return Ok(SearchOutcome::Found { answer, one_less });
            }
            Some((point, _)) => {
                // Not monotone here (noise): go on down from the cheaper point.
                let start = point.clone();
                let lead = (0..k).find(|&i| start[i] < answer[i]).expect("one less");
                let base = seq_base * 1000;
                answer = descend(oracle, &floors, &order(space, lead), start, |seq| Step {
                    phase: PhaseKind::OneLess,
                    resource: lead,
                    seq: base + seq,
                })?;
                seq_base += 1;
            }
        }
    }
    panic!("the search did not settle in {MAX_ROUNDS} rounds: the oracle is not deterministic");
}

/// Trades along the frontier (module doc, 4): from the minimal point
/// `point`, `delta` more of resource `j` (1, 2, 4, ...) may let resource `i`
/// drop by more than it costs; the first trade that lowers the cost is
/// taken (then a descent), until none does.
fn trade<O: Oracle>(
    space: &Space,
    oracle: &O,
    floors: &[u32],
    mut point: Vec<u32>,
    seq: &mut u32,
) -> Result<Vec<u32>, O::Error> {
    let k = space.dims();
    let mut step = |resource: usize| {
        *seq += 1;
        Step {
            phase: PhaseKind::Trade,
            resource,
            seq: *seq,
        }
    };
    'improving: loop {
        let cost = space.cost(&point);
        for i in 0..k {
            for j in (0..k).filter(|&j| j != i) {
                // The most a trade can save: all of `i` down to its floor.
                let most_saved = f64::from(point[i] - floors[i].min(point[i])) * space.weights[i];
                let mut delta = 1u32;
                while point[j] + delta <= space.max[j]
                    && f64::from(delta) * space.weights[j] < most_saved
                {
                    // More of `j` keeps the point feasible (monotonicity).
                    let mut traded = point.clone();
                    traded[j] += delta;
                    let least = least_feasible(oracle, &traded, i, floors[i], &mut || step(i))?;
                    traded[i] = least;
                    if space.cost(&traded) < cost {
                        point = descend(oracle, floors, &order(space, i), traded, |_| step(i))?;
                        continue 'improving;
                    }
                    if least <= floors[i] {
                        break;
                    }
                    delta *= 2;
                }
            }
        }
        return Ok(point);
    }
}

/// The least feasible value of resource `i` with the others at their
/// maximum (the maximum itself is known feasible).
fn bisect<O: Oracle>(space: &Space, oracle: &O, i: usize) -> Result<u32, O::Error> {
    // Invariant: `high` is feasible; `low` is infeasible or below the box.
    let (mut low, mut high) = (i64::from(space.min[i]) - 1, i64::from(space.max[i]));
    let mut point = space.max.clone();
    let mut seq = 0;
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        point[i] = mid as u32;
        let step = Step {
            phase: PhaseKind::Bisect,
            resource: i,
            seq,
        };
        seq += 1;
        if oracle.feasible(&point, step)? {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(high as u32)
}

/// The lead first, then the others by weight, heaviest first (stable).
fn order(space: &Space, lead: usize) -> Vec<usize> {
    let mut rest: Vec<usize> = (0..space.dims()).filter(|&i| i != lead).collect();
    rest.sort_by(|&a, &b| space.weights[b].total_cmp(&space.weights[a]));
    let mut order = vec![lead];
    order.extend(rest);
    order
}

/// Coordinate descent from the feasible point `start` (module doc, 3).
fn descend<O: Oracle>(
    oracle: &O,
    floors: &[u32],
    order: &[usize],
    start: Vec<u32>,
    mut step: impl FnMut(u32) -> Step,
) -> Result<Vec<u32>, O::Error> {
    let mut point = start;
    let mut seq = 0;
    // Each pass that changes something lowers a coordinate, so passes end.
    loop {
        let mut changed = false;
        for &i in order {
            let least = least_feasible(oracle, &point, i, floors[i], &mut || {
                seq += 1;
                step(seq)
            })?;
            if least < point[i] {
                point[i] = least;
                changed = true;
            }
        }
        if !changed {
            return Ok(point);
        }
    }
}

/// The least value of coordinate `i` in `[floor, point[i]]` that keeps
/// `point` feasible (`point` itself is feasible): gallop up from `floor`,
/// then bisect the last gap.
fn least_feasible<O: Oracle>(
    oracle: &O,
    point: &[u32],
    i: usize,
    floor: u32,
    step: &mut dyn FnMut() -> Step,
) -> Result<u32, O::Error> {
    let current = point[i];
    let mut probe = point.to_vec();
    let mut feasible_at = |value: u32, step: Step| {
        probe[i] = value;
        oracle.feasible(&probe, step)
    };
    // Invariant: `high` is feasible; `low` is infeasible (or below `floor`).
    let mut low = i64::from(floor) - 1;
    let mut high = i64::from(current);
    let mut gap = 1i64;
    while low + gap < high {
        let value = low + gap;
        if feasible_at(value as u32, step())? {
            high = value;
            break;
        }
        low = value;
        gap *= 2;
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if feasible_at(mid as u32, step())? {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(high as u32)
}

/// The cheapest point, the first on a tie.
fn cheapest(space: &Space, points: Vec<Vec<u32>>) -> Vec<u32> {
    let mut best: Option<(f64, Vec<u32>)> = None;
    for point in points {
        let cost = space.cost(&point);
        if best.as_ref().is_none_or(|(least, _)| cost < *least) {
            best = Some((cost, point));
        }
    }
    best.expect("one descent per resource").1
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;

    /// An oracle from a function, counting the distinct points asked for.
    struct FnOracle<F> {
        feasible: F,
        asked: Mutex<BTreeMap<Vec<u32>, Step>>,
    }

    impl<F: Fn(&[u32]) -> bool + Sync> Oracle for FnOracle<F> {
        type Error = ();
        fn feasible(&self, point: &[u32], step: Step) -> Result<bool, ()> {
            let mut asked = self.asked.lock().unwrap();
            let first = asked.entry(point.to_vec()).or_insert(step);
            *first = (*first).min(step);
            Ok((self.feasible)(point))
        }
    }

    fn run(space: &Space, feasible: impl Fn(&[u32]) -> bool + Sync) -> (SearchOutcome, usize) {
        let oracle = FnOracle {
            feasible,
            asked: Mutex::new(BTreeMap::new()),
        };
        let outcome = search(space, &oracle).unwrap();
        let asked = oracle.asked.lock().unwrap().len();
        (outcome, asked)
    }

    fn space(min: &[u32], max: &[u32], weights: &[f64]) -> Space {
        Space {
            min: min.to_vec(),
            max: max.to_vec(),
            weights: weights.to_vec(),
        }
    }

    /// The cheapest feasible point by brute force over the box.
    fn brute_force(space: &Space, feasible: &dyn Fn(&[u32]) -> bool) -> f64 {
        let mut best = f64::INFINITY;
        let mut point = space.min.clone();
        loop {
            if feasible(&point) {
                best = best.min(space.cost(&point));
            }
            let mut i = 0;
            loop {
                if i == point.len() {
                    return best;
                }
                if point[i] < space.max[i] {
                    point[i] += 1;
                    break;
                }
                point[i] = space.min[i];
                i += 1;
            }
        }
    }

    #[test]
    fn one_resource_is_a_bisection() {
        let space = space(&[1], &[200], &[1.0]);
        let (outcome, asked) = run(&space, |p| p[0] >= 93);
        assert_eq!(
            outcome,
            SearchOutcome::Found {
                answer: vec![93],
                one_less: vec![Some(vec![92])],
            }
        );
        // log2(200) = 7.6: the top, 8 bisection steps, all else remembered.
        assert!(asked <= 10, "{asked} points");
    }

    #[test]
    fn independent_resources_take_their_own_floors() {
        let space = space(&[1, 1, 1], &[480, 16, 8], &[1.0, 1.0, 1.0]);
        let (outcome, _) = run(&space, |p| p[0] >= 95 && p[1] >= 3 && p[2] >= 1);
        let SearchOutcome::Found { answer, one_less } = outcome else {
            panic!("feasible")
        };
        assert_eq!(answer, vec![95, 3, 1]);
        assert_eq!(
            one_less,
            vec![Some(vec![94, 3, 1]), Some(vec![95, 2, 1]), None]
        );
    }

    /// Interacting resources (the wait of a tandem of two stages): the
    /// answer is the cheapest point, as brute force finds it, for weights that
    /// favour either resource.
    #[test]
    fn interacting_resources_find_the_cheapest_point() {
        let feasible = |p: &[u32]| {
            let (a, b) = (f64::from(p[0]), f64::from(p[1]));
            a > 10.0 && b > 5.0 && 30.0 / (a - 10.0) + 20.0 / (b - 5.0) <= 6.0
        };
        for weights in [[1.0, 1.0], [1.0, 3.0], [4.0, 1.0]] {
            let space = space(&[1, 1], &[60, 40], &weights);
            let (outcome, asked) = run(&space, feasible);
            let SearchOutcome::Found { answer, one_less } = outcome else {
                panic!("feasible")
            };
            assert!(feasible(&answer));
            let best = brute_force(&space, &feasible);
            assert_eq!(space.cost(&answer), best, "weights {weights:?}: {answer:?}");
            for point in one_less.into_iter().flatten() {
                assert!(!feasible(&point), "{point:?}");
            }
            assert!(asked < 60, "{asked} of {} points", 60 * 40);
        }
    }

    #[test]
    fn an_infeasible_top_is_reported() {
        let space = space(&[1, 1], &[10, 10], &[1.0, 1.0]);
        let (outcome, asked) = run(&space, |p| p[0] > 10);
        assert_eq!(outcome, SearchOutcome::Infeasible { top: vec![10, 10] });
        assert_eq!(asked, 1);
    }

    /// A non-monotone oracle (noise): the one-less check finds a cheaper
    /// feasible point below the floors and the search goes on from it.
    #[test]
    fn a_feasible_one_less_is_followed() {
        // Feasible from (5, 5) up, and at (4, 5) too, though (4, 10) is not.
        let feasible = |p: &[u32]| (p[0] >= 5 && p[1] >= 5) || p == [4, 5];
        let space = space(&[1, 1], &[10, 10], &[1.0, 1.0]);
        let (outcome, _) = run(&space, feasible);
        assert_eq!(
            outcome,
            SearchOutcome::Found {
                answer: vec![4, 5],
                one_less: vec![Some(vec![3, 5]), Some(vec![4, 4])],
            }
        );
    }
}
