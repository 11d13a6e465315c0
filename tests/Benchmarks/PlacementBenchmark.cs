using System.Diagnostics;
using System.Globalization;
using GpuSharing.Grains.Hardware.Catalog;
using GpuSharing.Grains.Planning.Placement;
using GpuSharing.Grains.Planning.Sizing;
using GpuSharing.TestSupport;

namespace GpuSharing.Benchmarks;

/// <summary>
/// Runs the workloads of PLACEMENT.md §6 and prints, beside each result, the lower bounds and the peers' strategies
/// computed in the same run on the same demands: one replica per whole GPU (B0, what the peers do without sharing),
/// the AMD GPU Operator's partition profiles with one replica per partition (DCM), HAMi's memory binpacking of whole
/// GPUs without isolation, and this engine with partition-mode choice switched off. Timings are wall clock on this machine (noisy: compare
/// ratios within a run, not absolute times across machines).
/// </summary>
public static class PlacementBenchmark
{
    private const int Seed = 20261127;
    private static readonly SizingOptions Sizing = SizingOptions.Default;

    public static bool Run(TextWriter output, bool quick)
    {
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine($"Placement benchmark — {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, seed {Seed}{(quick ? ", quick" : string.Empty)}");
        output.WriteLine("Bound = ⌈Σ exclusive f(r) + Σ shared mem(r)/HBM⌉ (PLACEMENT.md §5, the bound quality is measured against); Volume = ⌈Σ mem/HBM⌉; Slots = ⌈Σ f(r)⌉.");
        output.WriteLine();

        // JIT warm-up so that the first measured workload is not charged for compilation.
        Measure(Workloads.SmallModelsOn(GpuCatalog.MI300X, 300, 40, Seed + 99), repetitions: 1);

        var scales = quick ? new[] { (100, 13), (1_000, 125) } : [(100, 13), (1_000, 125), (10_000, 1_250)];
        var rows = new List<Row>();
        foreach (var (deployments, gpus) in scales)
        {
            rows.Add(Measure(Workloads.SmallModelsOn(GpuCatalog.MI300X, deployments, gpus, Seed, $"W1 small {deployments}"), repetitions: deployments >= 10_000 ? 3 : 5));
            // 10 % large models need about a third more memory than W1: W2's fleet is sized to hold its demand at 85 %.
            var mixed = Workloads.MixedOn(GpuCatalog.MI300X, deployments, gpus, Seed);
            var needed = (int)Math.Ceiling(mixed.Demands.Sum(d => (double)d.Size.TargetBytes() * d.Replicas) / (0.85 * GpuCatalog.MI300X.HbmBytes));
            rows.Add(Measure(Workloads.MixedOn(GpuCatalog.MI300X, deployments, Math.Max(gpus, needed), Seed, $"W2 mixed {deployments}"), repetitions: deployments >= 10_000 ? 3 : 5));
        }

        var largest = scales[^1];
        rows.Add(Measure(Workloads.SmallModelsOn(GpuCatalog.MI355X, largest.Item1, largest.Item2, Seed, $"W3 MI355X {largest.Item1}"), repetitions: 3));

        output.WriteLine("| workload | fleet | replicas | placed | wall ms | alloc MB | GPUs used | Bound | used/Bound | Volume | Slots | ≤ Slots+2 | repartitions | NPS changes | B0 whole GPU | DCM 1/partition | HAMi binpack | no mode choice |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(invariant,
                $"| {r.Name} | {r.Fleet} | {r.Replicas} | {r.Placed} | {r.WallMs:0} | {r.AllocatedMb:0} | {r.GpusUsed} | {r.Bounds.Bound} | {r.Ratio:0.000} | {r.Bounds.Volume} | {r.Bounds.Slots} | {(r.GpusUsed <= r.Bounds.Slots + 2 ? "yes" : "NO")} | {r.Repartitions} | {r.MemoryChanges} | {Baseline(r.WholeGpu)} | {Baseline(r.Dcm)} | {Baseline(r.Hami)} | {Baseline(r.NoModeChoice)} |"));
        }

        output.WriteLine("(baselines: GPUs each needs on an unbounded fleet of the same GPUs, + replicas that fit no GPU at all)");
        output.WriteLine();

        var w1 = Workloads.SmallModelsOn(GpuCatalog.MI300X, largest.Item1, largest.Item2, Seed, "W1");
        var (incrementalMedian, incrementalP99, incrementalRepartitionShare) = Incremental(w1, quick ? 300 : 1_000);
        output.WriteLine(string.Create(invariant, $"Incremental placement of one deployment into the {largest.Item2}-GPU W1 fleet: median {incrementalMedian:0.000} ms, p99 {incrementalP99:0.000} ms, {incrementalRepartitionShare:P1} of admissions repartitioned a GPU"));

        var churn = Churn(w1, quick ? 1_000 : 10_000);
        output.WriteLine(string.Create(invariant,
            $"W4 churn ({churn.Events} add/delete/scale events on W1): decision median {churn.MedianMs:0.000} ms, p99 {churn.P99Ms:0.000} ms; per 1,000 events {churn.RepartitionsPer1000:0.0} repartitions, {churn.PreemptionsPer1000:0.0} preemptions; end: {churn.GpusUsed} GPUs, Bound {churn.Bound} ({churn.GpusUsed / (double)churn.Bound:0.000}); a batch replan of the same deployments: {churn.ReplanGpus} GPUs, its Bound {churn.ReplanBound} ({churn.ReplanGpus / (double)churn.ReplanBound:0.000})"));
        output.WriteLine();

        var tenK = rows.Single(r => r.Name == $"W1 small {largest.Item1}");
        var checks = new List<(string Target, bool Met, string Measured)>
        {
            ($"{largest.Item1:N0} deployments onto {largest.Item2:N0} MI300X ≤ 2 s", quick || tenK.WallMs <= 2_000, string.Create(invariant, $"{tenK.WallMs:0} ms")),
            ("GPUs used ≤ 1.10 × Bound, every workload", rows.All(r => r.Ratio <= 1.10), string.Join(", ", rows.Select(r => string.Create(invariant, $"{r.Ratio:0.000}")))),
            ("GPUs used ≤ Slots + 2, every workload", rows.All(r => r.GpusUsed <= r.Bounds.Slots + 2), string.Join(", ", rows.Select(r => $"{r.GpusUsed}/{r.Bounds.Slots}"))),
            ("every replica placed, every workload", rows.All(r => r.Placed == r.Replicas), string.Join(", ", rows.Select(r => $"{r.Placed}/{r.Replicas}"))),
            ("deterministic: same input, same decisions", rows.All(r => r.Deterministic), string.Join(", ", rows.Select(r => r.Deterministic ? "yes" : "NO"))),
            ("incremental placement ≤ 1 ms median", incrementalMedian <= 1.0, string.Create(invariant, $"{incrementalMedian:0.000} ms")),
        };
        foreach (var (target, met, measured) in checks)
        {
            output.WriteLine($"{(met ? "PASS" : "FAIL")}  {target}: {measured}");
        }

        return checks.All(c => c.Met);
    }

    private static string Baseline((int GpusUsed, int Unplaced) baseline) =>
        baseline.Unplaced == 0 ? $"{baseline.GpusUsed}" : $"{baseline.GpusUsed} (+{baseline.Unplaced} unplaced)";

    private static Row Measure(Workloads.Workload workload, int repetitions)
    {
        var times = new List<double>();
        PlacementEngine engine = null!;
        PlacementResult result = null!;
        long allocated = 0;
        string? fingerprint = null;
        var deterministic = true;
        for (var i = 0; i < repetitions; i++)
        {
            GC.Collect();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            engine = new PlacementEngine(workload.Fleet, Sizing);
            result = engine.PlaceAll(workload.Demands);
            watch.Stop();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            times.Add(watch.Elapsed.TotalMilliseconds);
            var current = Fingerprint(result);
            deterministic &= fingerprint is null || fingerprint == current;
            fingerprint = current;
        }

        var bounds = PlacementBounds.Compute(engine, workload.Demands, Sizing);
        var replicas = workload.Demands.Sum(d => d.Replicas);
        var family = workload.Fleet.Nodes[0].Gpus[0].Family;
        var unbounded = FleetSnapshot.Uniform(family, replicas, prefix: "unbounded");
        var noChoice = new PlacementEngine(unbounded, Sizing, allowRepartition: false);
        var noChoiceResult = noChoice.PlaceAll(workload.Demands);
        return new Row(
            workload.Name,
            $"{workload.Fleet.GpuCount} × {workload.Fleet.Nodes[0].Gpus[0].Family.Name}",
            replicas,
            replicas - result.Unplaced.Count,
            times.Order().ElementAt(times.Count / 2),
            allocated / (1024.0 * 1024.0),
            engine.GpusUsed,
            bounds,
            engine.GpusUsed / (double)Math.Max(1, bounds.Bound),
            result.Repartitions.Count,
            result.MemoryModeChanges.Count,
            Baselines.WholeGpuPerReplica(workload.Demands, unbounded, Sizing),
            Baselines.DcmOneReplicaPerPartition(workload.Demands, unbounded, Sizing),
            Baselines.HamiBinpack(workload.Demands, unbounded, Sizing),
            (noChoice.GpusUsed, noChoiceResult.Unplaced.Count),
            deterministic);
    }

    private static (double Median, double P99, double RepartitionShare) Incremental(Workloads.Workload workload, int samples)
    {
        var engine = new PlacementEngine(workload.Fleet, Sizing);
        engine.PlaceAll(workload.Demands);
        var extra = Workloads.SmallModelsOn(GpuCatalog.MI300X, samples, 8, Seed + 1, "extra");
        var times = new List<double>();
        var repartitioned = 0;
        foreach (var (name, spec) in extra.Deployments)
        {
            var demand = Workloads.Demand($"incremental/{name.Replace('/', '-')}", spec with { Replicas = 1 });
            var watch = Stopwatch.StartNew();
            var result = engine.Place(demand);
            watch.Stop();
            times.Add(watch.Elapsed.TotalMilliseconds);
            repartitioned += result.Repartitions.Count > 0 ? 1 : 0;
            engine.Remove(demand.Deployment);
        }

        times.Sort();
        return (times[times.Count / 2], times[(int)(times.Count * 0.99)], repartitioned / (double)samples);
    }

    private static ChurnResult Churn(Workloads.Workload workload, int events)
    {
        var engine = new PlacementEngine(workload.Fleet, Sizing);
        engine.PlaceAll(workload.Demands);
        var live = workload.Demands.ToDictionary(d => d.Deployment, StringComparer.Ordinal);
        var names = workload.Demands.Select(d => d.Deployment).Order(StringComparer.Ordinal).ToList();
        var fresh = Workloads.SmallModelsOn(GpuCatalog.MI300X, events, 8, Seed + 2, "churn");
        var random = new Random(Seed + 3);
        var times = new List<double>();
        var repartitions = 0;
        var preemptions = 0;
        for (var i = 0; i < events; i++)
        {
            var roll = random.NextDouble();
            var watch = new Stopwatch();
            PlacementResult result;
            if (roll < 0.35 || names.Count == 0)
            {
                var (name, spec) = fresh.Deployments[i];
                var demand = Workloads.Demand($"churn/{name.Replace('/', '-')}", spec);
                watch.Start();
                result = engine.Place(demand);
                watch.Stop();
                live[demand.Deployment] = demand;
                names.Add(demand.Deployment);
            }
            else if (roll < 0.70)
            {
                var index = random.Next(names.Count);
                var name = names[index];
                watch.Start();
                result = engine.Remove(name);
                watch.Stop();
                live.Remove(name);
                names[index] = names[^1];
                names.RemoveAt(names.Count - 1);
            }
            else
            {
                var name = names[random.Next(names.Count)];
                var demand = live[name] with { Replicas = Math.Clamp(live[name].Replicas + (random.Next(2) == 0 ? -1 : 1), 1, 3) };
                watch.Start();
                result = engine.Place(demand);
                watch.Stop();
                live[name] = demand;
            }

            times.Add(watch.Elapsed.TotalMilliseconds);
            repartitions += result.Repartitions.Count;
            preemptions += result.Preemptions.Count;
        }

        times.Sort();
        var demands = live.Values.ToList();
        var bounds = PlacementBounds.Compute(engine, demands, Sizing);
        var replan = new PlacementEngine(workload.Fleet, Sizing);
        replan.PlaceAll(demands);
        var replanBounds = PlacementBounds.Compute(replan, demands, Sizing);
        return new ChurnResult(
            events,
            times[times.Count / 2],
            times[(int)(times.Count * 0.99)],
            repartitions * 1000.0 / events,
            preemptions * 1000.0 / events,
            engine.GpusUsed,
            Math.Max(1, bounds.Bound),
            replan.GpusUsed,
            Math.Max(1, replanBounds.Bound));
    }

    private static string Fingerprint(PlacementResult result) =>
        string.Join(';', result.Assigned.Select(a => $"{a.Deployment}#{a.Replica}@{a.Node}/{a.Gpu}/{a.FirstPartition}x{a.Span}:{a.BytesPerPartition}"))
        + "|" + string.Join(';', result.Repartitions.Select(r => $"{r.Node}/{r.Gpu}:{r.To}"));

    private sealed record Row(
        string Name,
        string Fleet,
        int Replicas,
        int Placed,
        double WallMs,
        double AllocatedMb,
        int GpusUsed,
        PlacementBounds Bounds,
        double Ratio,
        int Repartitions,
        int MemoryChanges,
        (int GpusUsed, int Unplaced) WholeGpu,
        (int GpusUsed, int Unplaced) Dcm,
        (int GpusUsed, int Unplaced) Hami,
        (int GpusUsed, int Unplaced) NoModeChoice,
        bool Deterministic);

    private sealed record ChurnResult(int Events, double MedianMs, double P99Ms, double RepartitionsPer1000, double PreemptionsPer1000, int GpusUsed, int Bound, int ReplanGpus, int ReplanBound);
}
