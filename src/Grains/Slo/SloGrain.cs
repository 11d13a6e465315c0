using GpuSharing.Grains.Activation;
using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Slo;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Grains.Slo;

/// <summary>
/// A deployment's SLO ledger (<see cref="SloLedger"/>). Samples arrive in batches; the ledger is written behind,
/// at most every <see cref="WriteBehind"/> and when the grain deactivates, so a silo crash loses at most that much.
/// Targets are read from the deployment (its spec's <c>slo</c>) and cached briefly; the last five minutes' latencies
/// are kept in memory for percentiles.
/// </summary>
[ControlPlanePlacement]
public sealed partial class SloGrain(
    [PersistentState("slo", StorageNames.ControlPlane)] IPersistentState<SloGrainState> state,
    TimeProvider time,
    ILogger<SloGrain> logger) : Grain, ISloGrain
{
    public static readonly TimeSpan WriteBehind = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TargetsMaxAge = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Recent = TimeSpan.FromMinutes(5);
    private const int MaxRecent = 20_000;

    private readonly Queue<(DateTimeOffset At, double Ttft, double? Tpot)> _recent = new();
    private SloLedger _ledger = new();
    private (SloSpec? Targets, DateTimeOffset ReadAt)? _targets;
    private bool _dirty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ledger = new SloLedger(state.State.Minutes);
        this.RegisterGrainTimer(static (self, ct) => self.FlushAsync(ct), this, new GrainTimerCreationOptions { DueTime = WriteBehind, Period = WriteBehind });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await FlushAsync(cancellationToken);

    public async Task RecordAsync(IReadOnlyList<SloSample> samples, CancellationToken cancellationToken = default)
    {
        var targets = await TargetsAsync(cancellationToken);
        foreach (var sample in samples)
        {
            _ledger.Add(sample, targets);
            _recent.Enqueue((sample.At, sample.TtftMs, sample.TpotMs));
        }

        while (_recent.Count > MaxRecent)
        {
            _recent.Dequeue();
        }

        _dirty = samples.Count > 0 || _dirty;
    }

    public async Task ForgetAsync(CancellationToken cancellationToken = default)
    {
        _ledger = new SloLedger();
        _recent.Clear();
        _targets = null;
        _dirty = false;
        state.State.Minutes = [];
        await state.ClearStateAsync(cancellationToken);
        DeactivateOnIdle();
    }

    public async Task<IReadOnlyList<SloHistoryPoint>> GetHistoryAsync(int minutes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minutes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minutes, 1440);
        return _ledger.History(time.GetUtcNow(), minutes, await TargetsAsync(cancellationToken));
    }

    public async Task<SloView> GetAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var targets = await TargetsAsync(cancellationToken);
        while (_recent.TryPeek(out var oldest) && now - oldest.At > Recent)
        {
            _recent.Dequeue();
        }

        var (windows, budget, burn) = _ledger.Evaluate(now, targets);
        var ttft = _recent.Select(r => r.Ttft).Order().ToList();
        var tpot = _recent.Where(r => r.Tpot is not null).Select(r => r.Tpot!.Value).Order().ToList();
        return new SloView(
            this.GetPrimaryKeyString(),
            targets,
            windows,
            budget,
            burn,
            Percentile(ttft, 0.5),
            Percentile(ttft, 0.99),
            Percentile(tpot, 0.5),
            Percentile(tpot, 0.99),
            _ledger.Minutes.Count > 0 ? DateTimeOffset.FromUnixTimeSeconds(_ledger.Minutes[^1].Minute * 60) : null);
    }

    private async Task<SloSpec?> TargetsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_targets is not { } cached || now - cached.ReadAt > TargetsMaxAge)
        {
            var model = await GrainFactory.GetGrain<IModelGrain>(this.GetPrimaryKeyString()).GetAsync().WaitAsync(cancellationToken);
            _targets = (SloLedger.Effective(model?.Spec.Slo), now);
        }

        return _targets.Value.Targets;
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }

        _ledger.Trim(time.GetUtcNow());
        state.State.Minutes = [.. _ledger.Minutes];
        try
        {
            await state.WriteStateAsync(cancellationToken);
            _dirty = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWriteFailed(logger, ex, this.GetPrimaryKeyString()); // kept dirty: the next round writes again
        }
    }

    private static double? Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the SLO ledger of {Deployment} failed; it is written again on the next round")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string deployment);
}
