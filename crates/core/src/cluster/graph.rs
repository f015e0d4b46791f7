//! Weighted undirected graphs in compressed adjacency form, and their connected components.

/// A weighted undirected graph over nodes `0..n`: each node's neighbours, ascending, with the
/// weight of the edge. Every edge is stored at both ends; there are no self-loops.
#[derive(Debug, Clone, Default)]
pub(crate) struct Graph {
    start: Vec<usize>,
    neighbours: Vec<u32>,
    weights: Vec<f64>,
}

impl Graph {
    /// The graph of `nodes` nodes with the given edges, sorted by `(a, b)` with `a < b`.
    pub(crate) fn from_sorted_edges(nodes: usize, edges: &[(u32, u32, f64)]) -> Graph {
        let mut start = vec![0usize; nodes + 1];
        for &(a, b, _) in edges {
            start[a as usize + 1] += 1;
            start[b as usize + 1] += 1;
        }
        for v in 0..nodes {
            start[v + 1] += start[v];
        }
        let mut next = start.clone();
        let mut neighbours = vec![0u32; 2 * edges.len()];
        let mut weights = vec![0f64; 2 * edges.len()];
        // Sorted input fills each list ascending: the smaller neighbours of `v` arrive while
        // their own (earlier) rows are read, the larger ones while `v`'s row is read.
        for &(a, b, w) in edges {
            for (from, to) in [(a, b), (b, a)] {
                let at = &mut next[from as usize];
                neighbours[*at] = to;
                weights[*at] = w;
                *at += 1;
            }
        }
        Graph {
            start,
            neighbours,
            weights,
        }
    }

    /// An empty graph to which nodes are appended in order with [`Graph::push_node`].
    pub(crate) fn with_capacity(nodes: usize) -> Graph {
        let mut start = Vec::with_capacity(nodes + 1);
        start.push(0);
        Graph {
            start,
            ..Graph::default()
        }
    }

    /// Appends the next node with its neighbours; the caller keeps the lists symmetric.
    pub(crate) fn push_node(&mut self, neighbours: impl IntoIterator<Item = (u32, f64)>) {
        for (u, w) in neighbours {
            self.neighbours.push(u);
            self.weights.push(w);
        }
        self.start.push(self.neighbours.len());
    }

    pub(crate) fn nodes(&self) -> usize {
        self.start.len() - 1
    }

    /// The neighbours of `v` with edge weights, ascending.
    pub(crate) fn neighbours(&self, v: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let range = self.start[v as usize]..self.start[v as usize + 1];
        self.neighbours[range.clone()]
            .iter()
            .copied()
            .zip(self.weights[range].iter().copied())
    }

    pub(crate) fn degree(&self, v: u32) -> usize {
        self.start[v as usize + 1] - self.start[v as usize]
    }

    /// The graph without the edges that lie in no triangle: a link between two nodes that no
    /// third node is linked to both of.
    pub(crate) fn corroborated(&self) -> Graph {
        let mut kept = Vec::new();
        for v in 0..self.nodes() as u32 {
            for (u, w) in self.neighbours(v).filter(|(u, _)| *u > v) {
                if self.share_a_neighbour(v, u) {
                    kept.push((v, u, w));
                }
            }
        }
        Graph::from_sorted_edges(self.nodes(), &kept)
    }

    /// Whether two nodes have a neighbour in common (a merge of the two ascending lists that
    /// stops at the first match).
    fn share_a_neighbour(&self, v: u32, u: u32) -> bool {
        let (mut x, mut y) = (
            self.neighbours(v).map(|(n, _)| n),
            self.neighbours(u).map(|(n, _)| n),
        );
        let (mut a, mut b) = (x.next(), y.next());
        while let (Some(p), Some(q)) = (a, b) {
            match p.cmp(&q) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => a = x.next(),
                std::cmp::Ordering::Greater => b = y.next(),
            }
        }
        false
    }

    /// Sum of the weights of a node's edges.
    pub(crate) fn strength(&self, v: u32) -> f64 {
        self.neighbours(v).map(|(_, w)| w).sum()
    }

    /// The subgraph induced by `nodes` (ascending), renumbered `0..nodes.len()` in that order.
    /// `local` is scratch of one slot per node of `self`, left as it was found (all
    /// `u32::MAX`).
    pub(crate) fn induced(&self, nodes: &[u32], local: &mut [u32]) -> Graph {
        for (i, &v) in nodes.iter().enumerate() {
            local[v as usize] = i as u32;
        }
        let mut sub = Graph::with_capacity(nodes.len());
        for &v in nodes {
            sub.push_node(
                self.neighbours(v)
                    .filter(|(u, _)| local[*u as usize] != u32::MAX)
                    .map(|(u, w)| (local[u as usize], w)),
            );
        }
        for &v in nodes {
            local[v as usize] = u32::MAX;
        }
        sub
    }

    /// The connected components of the subgraph induced by `nodes` (ascending), each
    /// ascending, in order of their smallest node. `inside` is scratch of one flag per node of
    /// `self`, left all false.
    pub(crate) fn components(&self, nodes: &[u32], inside: &mut [bool]) -> Vec<Vec<u32>> {
        for &v in nodes {
            inside[v as usize] = true;
        }
        let mut components = Vec::new();
        let mut stack = Vec::new();
        for &root in nodes {
            if !inside[root as usize] {
                continue;
            }
            inside[root as usize] = false;
            stack.push(root);
            let mut component = Vec::new();
            while let Some(v) = stack.pop() {
                component.push(v);
                for (u, _) in self.neighbours(v) {
                    if inside[u as usize] {
                        inside[u as usize] = false;
                        stack.push(u);
                    }
                }
            }
            component.sort_unstable();
            components.push(component);
        }
        components
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjacency_is_symmetric_and_ascending() {
        let graph = Graph::from_sorted_edges(4, &[(0, 2, 1.0), (1, 2, 2.0), (2, 3, 3.0)]);
        let of = |v| graph.neighbours(v).collect::<Vec<_>>();
        assert_eq!(of(2), [(0, 1.0), (1, 2.0), (3, 3.0)]);
        assert_eq!(of(3), [(2, 3.0)]);
        assert_eq!(graph.degree(0), 1);
    }

    #[test]
    fn components_of_a_subset_ignore_nodes_outside_it() {
        let graph = Graph::from_sorted_edges(5, &[(0, 1, 1.0), (1, 2, 1.0), (3, 4, 1.0)]);
        let mut inside = vec![false; 5];
        assert_eq!(
            graph.components(&[0, 2, 3, 4], &mut inside),
            [vec![0], vec![2], vec![3, 4]]
        );
        assert!(inside.iter().all(|f| !f));
        let mut local = vec![u32::MAX; 5];
        let sub = graph.induced(&[1, 2, 4], &mut local);
        assert_eq!(sub.neighbours(0).collect::<Vec<_>>(), [(1, 1.0)]);
        assert_eq!(sub.degree(2), 0);
    }

    #[test]
    fn only_edges_in_a_triangle_are_corroborated() {
        let graph = Graph::from_sorted_edges(
            5,
            &[
                (0, 1, 1.0),
                (0, 2, 1.0),
                (1, 2, 1.0),
                (2, 3, 1.0),
                (3, 4, 1.0),
            ],
        );
        let kept = graph.corroborated();
        assert_eq!((kept.degree(0), kept.degree(2), kept.degree(3)), (2, 2, 0));
        assert_eq!(graph.strength(2), 3.0);
    }
}
