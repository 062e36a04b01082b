"""A small min-cost max-flow solver for the weekly assignment.

The planner has several goals of strictly decreasing importance (everyone
gets their suggestions, nobody repeats last week, everyone is suggested
equally often, then taste). A min-cost flow with convex costs on the
"suggested" side expresses all of them at once and finds the optimum, where
a greedy pass would paint itself into corners that leave someone out.

Successive shortest paths with Dijkstra and Johnson potentials; all edge
costs handed in must be non-negative. Ties are broken by node and edge
order, so the same graph always yields the same flow.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass


@dataclass
class _Edge:
    to: int
    capacity: int
    cost: int
    reverse: int


class MinCostFlow:
    def __init__(self, nodes: int) -> None:
        self._graph: list[list[_Edge]] = [[] for _ in range(nodes)]
        self._handles: list[tuple[int, int]] = []

    def add_edge(self, source: int, target: int, capacity: int, cost: int) -> int:
        """Add an arc; the returned id reads its flow back after `solve`."""
        if cost < 0:
            raise ValueError("costs must be non-negative")
        forward = _Edge(target, capacity, cost, len(self._graph[target]))
        backward = _Edge(source, 0, -cost, len(self._graph[source]))
        self._graph[source].append(forward)
        self._graph[target].append(backward)
        self._handles.append((source, len(self._graph[source]) - 1))
        return len(self._handles) - 1

    def flow_on(self, edge_id: int) -> int:
        source, index = self._handles[edge_id]
        edge = self._graph[source][index]
        return self._graph[edge.to][edge.reverse].capacity

    def solve(self, source: int, sink: int) -> tuple[int, int]:
        """Push as much flow as possible at the least total cost: (flow, cost)."""
        size = len(self._graph)
        potential = [0] * size
        total_flow = 0
        total_cost = 0
        infinity = float("inf")
        while True:
            distance: list[float] = [infinity] * size
            previous: list[tuple[int, int] | None] = [None] * size
            distance[source] = 0
            queue: list[tuple[float, int]] = [(0, source)]
            while queue:
                dist, node = heapq.heappop(queue)
                if dist > distance[node]:
                    continue
                for index, edge in enumerate(self._graph[node]):
                    if edge.capacity <= 0:
                        continue
                    candidate = dist + edge.cost + potential[node] - potential[edge.to]
                    if candidate < distance[edge.to]:
                        distance[edge.to] = candidate
                        previous[edge.to] = (node, index)
                        heapq.heappush(queue, (candidate, edge.to))
            if distance[sink] == infinity:
                return total_flow, total_cost
            for node in range(size):
                if distance[node] != infinity:
                    potential[node] += int(distance[node])
            push = self._bottleneck(previous, source, sink)
            node = sink
            while node != source:
                step = previous[node]
                assert step is not None
                parent, index = step
                edge = self._graph[parent][index]
                edge.capacity -= push
                self._graph[node][edge.reverse].capacity += push
                total_cost += push * edge.cost
                node = parent
            total_flow += push

    def _bottleneck(
        self, previous: list[tuple[int, int] | None], source: int, sink: int
    ) -> int:
        push: int | None = None
        node = sink
        while node != source:
            step = previous[node]
            assert step is not None
            parent, index = step
            capacity = self._graph[parent][index].capacity
            push = capacity if push is None else min(push, capacity)
            node = parent
        assert push is not None
        return push
