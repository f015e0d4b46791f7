//! Partitioning a weighted graph under the constant Potts model (CPM, Traag, Van Dooren and
//! Nesterov 2011), optimised Louvain-style: local moving, then aggregation, until no node
//! moves.
//!
//! The CPM quality of a partition is Σ over communities of (internal edge weight −
//! γ · pairs of nodes in the community). A community is worth keeping exactly when its members
//! are linked more densely than γ per pair, whatever the rest of the graph looks like. That
//! is why it is used here rather than modularity: modularity compares a community with a null
//! model built from the *total* degrees, so members who also link to many outsiders (the
//! camouflage of a campaign) make their block look less surprising, and in a large graph two
//! small dense blocks joined by one edge merge (its resolution limit). CPM counts only edges
//! inside a community — the same reason Fraudar's density resists camouflage — and it is
//! resolution-limit-free: joining two groups by one edge of weight w costs γ·n₁·n₂ ≫ w.

use std::collections::VecDeque;

use super::graph::Graph;

/// Gains smaller than this are rounding, not improvement: moves must beat it, which also
/// guarantees that local moving terminates.
const MIN_GAIN: f64 = 1e-9;

/// The community of each node, numbered densely in order of the community's smallest node.
/// Deterministic for a given graph: nodes are visited strongest first, ties keep a node where
/// it is or send it to the community met first among its (ascending) neighbours.
pub(crate) fn partition(graph: &Graph, resolution: f64) -> Vec<u32> {
    let mut membership: Vec<u32> = (0..graph.nodes() as u32).collect();
    let mut sizes = vec![1.0; graph.nodes()];
    let mut aggregated: Option<Graph> = None;
    loop {
        let level = aggregated.as_ref().unwrap_or(graph);
        let Some(community) = move_nodes(level, &sizes, resolution) else {
            break;
        };
        let (community, count) = renumber(&community);
        for m in &mut membership {
            *m = community[*m as usize];
        }
        if count == level.nodes() {
            break;
        }
        let (next, next_sizes) = aggregate(level, &sizes, &community, count);
        aggregated = Some(next);
        sizes = next_sizes;
    }
    renumber(&membership).0
}

/// The communities of one level: what each node's community is after local moving, or `None`
/// when no node moved. `sizes` are the nodes' weights in the penalty (original nodes they
/// stand for).
fn move_nodes(graph: &Graph, sizes: &[f64], resolution: f64) -> Option<Vec<u32>> {
    let n = graph.nodes();
    let mut state = MoveState {
        community: (0..n as u32).collect(),
        total: sizes.to_vec(),
        empty: Vec::new(),
        link: vec![0.0; n],
        touched: Vec::new(),
    };
    let mut queue: VecDeque<u32> = visiting_order(graph).into();
    let mut queued = vec![true; n];
    let mut moved = false;
    while let Some(v) = queue.pop_front() {
        queued[v as usize] = false;
        let Some(to) = state.best_move(graph, v, sizes[v as usize], resolution) else {
            continue;
        };
        moved = true;
        for (u, _) in graph.neighbours(v) {
            if !queued[u as usize] && state.community[u as usize] != to {
                queued[u as usize] = true;
                queue.push_back(u);
            }
        }
    }
    moved.then_some(state.community)
}

/// Strongest nodes first (ties by index). A campaign account's links to its own campaign
/// outweigh each of its camouflage links, so visiting the strong nodes first lets the
/// campaign gather before its members are drawn, one by one, into small stars with
/// outsiders — a local optimum that aggregation cannot leave, since merging two stars costs
/// more than the one edge between their centres brings.
fn visiting_order(graph: &Graph) -> Vec<u32> {
    let strength: Vec<f64> = (0..graph.nodes() as u32)
        .map(|v| graph.strength(v))
        .collect();
    let mut order: Vec<u32> = (0..graph.nodes() as u32).collect();
    order.sort_by(|&x, &y| {
        strength[y as usize]
            .total_cmp(&strength[x as usize])
            .then(x.cmp(&y))
    });
    order
}

/// The state of local moving: each node's community, each community's total size, the
/// communities left empty, and scratch for the link weights of one node to its neighbouring
/// communities.
struct MoveState {
    community: Vec<u32>,
    total: Vec<f64>,
    empty: Vec<u32>,
    link: Vec<f64>,
    touched: Vec<u32>,
}

impl MoveState {
    /// Moves `v` to the community where it adds most to the quality (possibly a community of
    /// its own) and returns it, or returns `None` when `v` stays.
    fn best_move(&mut self, graph: &Graph, v: u32, size: f64, resolution: f64) -> Option<u32> {
        for (u, w) in graph.neighbours(v) {
            let c = self.community[u as usize];
            if self.link[c as usize] == 0.0 {
                self.touched.push(c);
            }
            self.link[c as usize] += w;
        }
        let current = self.community[v as usize];
        self.total[current as usize] -= size;
        let gain = |c: u32, state: &MoveState| {
            state.link[c as usize] - resolution * size * state.total[c as usize]
        };
        // `None` stands for a community of its own, whose gain is 0.
        let (mut best, mut best_gain) = (Some(current), gain(current, self));
        if best_gain < -MIN_GAIN {
            (best, best_gain) = (None, 0.0);
        }
        for &c in &self.touched {
            let g = gain(c, self);
            if c != current && g > best_gain + MIN_GAIN {
                (best, best_gain) = (Some(c), g);
            }
        }
        for &c in &self.touched {
            self.link[c as usize] = 0.0;
        }
        self.touched.clear();
        let to = best.unwrap_or_else(|| self.empty_community(current));
        self.total[to as usize] += size;
        if to == current {
            return None;
        }
        self.community[v as usize] = to;
        if self.total[current as usize] <= 0.0 {
            self.empty.push(current);
        }
        Some(to)
    }

    /// A community with no members: `current` if `v` was alone in it, else one that was
    /// emptied earlier (one exists: n nodes in n communities, with `current` shared).
    fn empty_community(&mut self, current: u32) -> u32 {
        if self.total[current as usize] <= 0.0 {
            return current;
        }
        while let Some(c) = self.empty.pop() {
            if self.total[c as usize] <= 0.0 {
                return c;
            }
        }
        unreachable!("a shared community leaves another one empty")
    }
}

/// Renames labels to `0..count` in order of first appearance.
fn renumber(labels: &[u32]) -> (Vec<u32>, usize) {
    let mut name = vec![u32::MAX; labels.len()];
    let mut count = 0u32;
    let renamed = labels
        .iter()
        .map(|&l| {
            if name[l as usize] == u32::MAX {
                name[l as usize] = count;
                count += 1;
            }
            name[l as usize]
        })
        .collect();
    (renamed, count as usize)
}

/// The graph of communities: one node per community, sized by its members, linked by the sum
/// of the edges between communities (edges inside one vanish; they no longer change any
/// gain).
fn aggregate(graph: &Graph, sizes: &[f64], community: &[u32], count: usize) -> (Graph, Vec<f64>) {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); count];
    let mut next_sizes = vec![0.0; count];
    for (v, &c) in community.iter().enumerate() {
        members[c as usize].push(v as u32);
        next_sizes[c as usize] += sizes[v];
    }
    let mut next = Graph::with_capacity(count);
    let mut link = vec![0.0f64; count];
    let mut touched = Vec::new();
    for (c, nodes) in members.iter().enumerate() {
        for &v in nodes {
            for (u, w) in graph.neighbours(v) {
                let d = community[u as usize];
                if d as usize != c {
                    if link[d as usize] == 0.0 {
                        touched.push(d);
                    }
                    link[d as usize] += w;
                }
            }
        }
        touched.sort_unstable();
        next.push_node(
            touched
                .iter()
                .map(|&d| (d, std::mem::take(&mut link[d as usize]))),
        );
        touched.clear();
    }
    (next, next_sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 5-cliques of weight-2 edges, joined by one edge of weight 2.
    fn bridged_cliques() -> Graph {
        let mut edges = Vec::new();
        for base in [0u32, 5] {
            for a in base..base + 5 {
                for b in a + 1..base + 5 {
                    edges.push((a, b, 2.0));
                }
            }
        }
        edges.push((4, 5, 2.0));
        edges.sort_by_key(|&(a, b, _)| (a, b));
        Graph::from_sorted_edges(10, &edges)
    }

    #[test]
    fn two_cliques_joined_by_one_edge_are_two_communities() {
        assert_eq!(
            partition(&bridged_cliques(), 0.5),
            [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        );
    }

    #[test]
    fn a_low_resolution_merges_what_a_high_one_splits() {
        assert!(partition(&bridged_cliques(), 0.01).iter().all(|&c| c == 0));
        let singletons = partition(&bridged_cliques(), 5.0);
        assert_eq!(singletons, (0..10).collect::<Vec<u32>>());
    }

    #[test]
    fn a_path_of_strangers_does_not_become_one_community() {
        let edges: Vec<(u32, u32, f64)> = (0..29).map(|a| (a, a + 1, 2.0)).collect();
        let communities = partition(&Graph::from_sorted_edges(30, &edges), 0.5);
        let largest = (0..30)
            .map(|c| communities.iter().filter(|&&x| x == c).count())
            .max();
        assert!(largest.unwrap() <= 8, "{communities:?}");
    }
}
