using System.Diagnostics;
using System.Diagnostics.Metrics;
using GpuSharing.Grains.Interfaces.Hardware;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Silo.Metrics;

/// <summary>
/// The fleet's gauges (meter <c>GpuSharing.Fleet</c>), read from the last <see cref="FleetSnapshot"/>: per partition
/// (every one, secondary partitions included) its VRAM, reservations and compute units; per GPU its state as a state
/// set, VRAM, and what amd-smi last read (VRAM used, activity, power, temperatures); per deployment its replicas,
/// reservations and SLO (attainment and burn rate per window, error budget). The prototype's <c>aim_*</c> names where
/// the meaning is the same. Labels are names and modes only: bounded by the fleet and the deployments.
/// </summary>
public sealed class FleetMetrics
{
    public const string MeterName = "GpuSharing.Fleet";

    private volatile FleetSnapshot _snapshot = FleetSnapshot.Empty;

    public FleetMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("aim_gpu_partition_memory", () => Partitions((gpu, p) => p.VramBytes, modes: true), "By", "A partition's VRAM (its share of the GPU's memory).");
        meter.CreateObservableGauge("aim_gpu_partition_memory_allocated", () => Partitions((gpu, p) => p.ReservedBytes), "By", "VRAM reserved on a partition by the deployments placed there.");
        meter.CreateObservableGauge("aim_gpu_partition_memory_available", () => Partitions((gpu, p) => Math.Max(0, p.VramBytes - p.ReservedBytes)), "By", "VRAM of a partition not reserved.");
        meter.CreateObservableGauge("aim_gpu_partition_memory_used", PartitionsUsed, "By", "VRAM in use on a partition as amd-smi last read it (each logical device's own figure; absent where unknown).");
        meter.CreateObservableGauge("aim_gpu_partition_compute_units", () => Partitions((gpu, p) => p.ComputeUnits), description: "Compute units of a partition.");
        meter.CreateObservableGauge("aim_gpu_partition_deployments", () => Partitions((gpu, p) => p.Reservations.Select(r => r.Deployment).Distinct(StringComparer.Ordinal).Count()), description: "Deployments holding a reservation on a partition.");
        meter.CreateObservableGauge("aim_gpu_partition_count", () => _snapshot.Gpus.Select(g => new Measurement<long>(g.Partitions.Count, Gpu(g, modes: true))), description: "Partitions of a GPU in its modes.");
        meter.CreateObservableGauge("aim_gpu_total_memory", () => _snapshot.Gpus.Select(g => new Measurement<long>(g.VramBytes, Gpu(g, ("model", g.Model)))), "By", "A GPU's VRAM.");
        meter.CreateObservableGauge("aim_gpu_state", States, description: "A GPU's state as a state set: 1 for the state it is in, 0 for the others.");
        meter.CreateObservableGauge("aim_gpu_memory_used", () => Telemetry(t => t.VramUsedBytes), "By", "VRAM in use as amd-smi last read it.");
        meter.CreateObservableGauge("aim_gpu_activity", () => Telemetry(t => t.GfxActivityPercent / 100), "1", "Graphics/compute activity as amd-smi last read it (0–1).");
        meter.CreateObservableGauge("aim_gpu_power", () => Telemetry(t => t.SocketPowerWatts), "W", "Socket power as amd-smi last read it.");
        meter.CreateObservableGauge("aim_gpu_temperature", Temperatures, "Cel", "Temperatures as amd-smi last read them, by sensor (hotspot, memory).");
        meter.CreateObservableGauge("aim_deployment_replicas", Replicas, description: "A deployment's replicas: wanted (the spec), placed, pending.");
        meter.CreateObservableGauge("aim_deployment_reserved_memory", () => _snapshot.Deployments.Select(d => new Measurement<long>(d.Model.Placements.Sum(p => p.ReservedBytes), Deployment(d.Model))), "By", "VRAM reserved by all of a deployment's replicas.");
        meter.CreateObservableGauge("aim_slo_attainment", () => Windows(w => w.Attainment), "1", "Share of requests that met every target, per window (5m, 1h, 24h).");
        meter.CreateObservableGauge("aim_slo_burn_rate", () => Windows(w => w.BurnRate), description: "Bad fraction over the error budget (1 − target), per window.");
        meter.CreateObservableGauge("aim_slo_error_budget_remaining", () => _snapshot.Deployments.Where(d => d.Slo?.ErrorBudgetRemaining is not null).Select(d => new Measurement<double>(d.Slo!.ErrorBudgetRemaining!.Value, Deployment(d.Model))), "1", "Error budget left over 24 hours.");
    }

    public FleetSnapshot Snapshot => _snapshot;

    public void Update(FleetSnapshot snapshot) => _snapshot = snapshot;

    private IEnumerable<Measurement<long>> Partitions(Func<Grains.Interfaces.Gpus.GpuView, Grains.Interfaces.Partitions.PartitionView, long> value, bool modes = false) =>
        _snapshot.Gpus.SelectMany(g => g.Partitions.Select(p =>
        {
            var tags = Gpu(g, modes);
            tags.Add("partition", p.Index);
            return new Measurement<long>(value(g, p), tags);
        }));

    private IEnumerable<Measurement<long>> PartitionsUsed() =>
        _snapshot.Gpus.Where(g => g.Telemetry?.PartitionVramUsedBytes is not null).SelectMany(g => g.Partitions
            .Where(p => g.Telemetry!.PartitionVramUsed(p.Index) is not null)
            .Select(p =>
            {
                var tags = Gpu(g);
                tags.Add("partition", p.Index);
                return new Measurement<long>(g.Telemetry!.PartitionVramUsed(p.Index)!.Value, tags);
            }));

    private IEnumerable<Measurement<int>> States() =>
        _snapshot.Gpus.SelectMany(g => Enum.GetValues<GpuState>().Select(s => new Measurement<int>(g.State == s ? 1 : 0, Gpu(g, ("state", s.ToString())))));

    private IEnumerable<Measurement<double>> Telemetry(Func<GpuTelemetry, double?> value) =>
        _snapshot.Gpus.Where(g => g.Telemetry is not null && value(g.Telemetry) is not null).Select(g => new Measurement<double>(value(g.Telemetry!)!.Value, Gpu(g)));

    private IEnumerable<Measurement<double>> Telemetry(Func<GpuTelemetry, long?> value) => Telemetry(t => (double?)value(t));

    private IEnumerable<Measurement<double>> Temperatures() =>
        _snapshot.Gpus.Where(g => g.Telemetry is not null).SelectMany(g => new[] { ("hotspot", g.Telemetry!.HotspotCelsius), ("memory", g.Telemetry.MemoryCelsius) }
            .Where(t => t.Item2 is not null)
            .Select(t => new Measurement<double>(t.Item2!.Value, Gpu(g, ("sensor", t.Item1)))));

    private IEnumerable<Measurement<long>> Replicas() =>
        _snapshot.Deployments.SelectMany(d => new[] { ("wanted", (long)d.Model.Spec.Replicas), ("placed", d.Model.Placements.Count), ("pending", d.Model.Pending.Count) }
            .Select(r => new Measurement<long>(r.Item2, Deployment(d.Model, ("state", r.Item1)))));

    private IEnumerable<Measurement<double>> Windows(Func<Grains.Interfaces.Slo.SloWindow, double?> value) =>
        _snapshot.Deployments.Where(d => d.Slo is not null).SelectMany(d => d.Slo!.Windows
            .Where(w => value(w) is not null)
            .Select(w => new Measurement<double>(value(w)!.Value, Deployment(d.Model, ("window", w.Window)))));

    private static TagList Gpu(Grains.Interfaces.Gpus.GpuView gpu, bool modes = false)
    {
        var tags = new TagList { { "node", gpu.Node }, { "gpu", gpu.Index } };
        if (modes)
        {
            tags.Add("compute_mode", gpu.ComputeMode?.ToString() ?? "unknown");
            tags.Add("memory_mode", gpu.MemoryMode?.ToString() ?? "unknown");
        }

        return tags;
    }

    private static TagList Gpu(Grains.Interfaces.Gpus.GpuView gpu, (string Key, object Value) extra)
    {
        var tags = Gpu(gpu);
        tags.Add(extra.Key, extra.Value);
        return tags;
    }

    private static TagList Deployment(ModelView model, (string Key, object Value)? extra = null)
    {
        var tags = new TagList { { "namespace", model.Namespace }, { "name", model.Name }, { "priority", WireNames.Of(model.Spec.Priority) } };
        if (extra is { } tag)
        {
            tags.Add(tag.Key, tag.Value);
        }

        return tags;
    }
}
