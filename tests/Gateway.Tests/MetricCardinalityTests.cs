using System.Diagnostics.Metrics;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Slo;
using GpuSharing.Silo.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace GpuSharing.Gateway.Tests;

/// <summary>The fleet's series stay bounded by the deployments (a fixed number each) and carry names and modes only, under 1,000 deployments.</summary>
[Collection(ProcessWideMetersCollection.Name)]
public sealed class MetricCardinalityTests
{
    private static readonly HashSet<string> AllowedLabels =
        ["node", "gpu", "partition", "compute_mode", "memory_mode", "state", "model", "sensor", "namespace", "name", "priority", "window"];

    [Fact]
    public void A_thousand_deployments_give_a_fixed_number_of_series_each_with_bounded_labels()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new FleetMetrics(factory);
        var windows = new[] { "5m", "1h", "24h" };
        metrics.Update(new FleetSnapshot([], [.. Enumerable.Range(0, 1_000).Select(i =>
        {
            var model = new ModelView($"team-{i % 50}", $"model-{i}", 1, new DeploymentSpec("qwen2.5-7b", Precision.Bf16, null, null, 1, (Priority)(i % 3)), ModelStatus.Placed, null, null, [], [], null, DateTimeOffset.UnixEpoch);
            var slo = new SloView(model.Namespace + "/" + model.Name, new SloSpec(500, 50, 0.99), [.. windows.Select(w => new SloWindow(w, 10, 9, 0.9, 10))], 0.5, "fast", null, null, null, null, null);
            return (model, (SloView?)slo);
        })]));

        var series = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FleetMetrics.MeterName && instrument.Meter.Scope == factory) // not the silo of MetricsTests, should it still run
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Collect<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            foreach (var tag in tags)
            {
                Assert.Contains(tag.Key, AllowedLabels);
            }

            var key = string.Join(',', tags.ToArray().Select(t => $"{t.Key}={t.Value}"));
            Assert.True((series.TryGetValue(instrument.Name, out var set) ? set : series[instrument.Name] = []).Add(key), $"{instrument.Name} reported {key} twice");
        }

        listener.SetMeasurementEventCallback<long>(Collect);
        listener.SetMeasurementEventCallback<int>(Collect);
        listener.SetMeasurementEventCallback<double>(Collect);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(3_000, series["aim_deployment_replicas"].Count);            // wanted, placed, pending
        Assert.Equal(3_000, series["aim_slo_attainment"].Count);                 // one per window
        Assert.Equal(3_000, series["aim_slo_burn_rate"].Count);
        Assert.Equal(1_000, series["aim_slo_error_budget_remaining"].Count);
        Assert.Equal(1_000, series["aim_deployment_reserved_memory"].Count);
        Assert.True(series.Values.Sum(s => s.Count) <= 11 * 1_000, $"{series.Values.Sum(s => s.Count)} series for 1,000 deployments");
    }
}
