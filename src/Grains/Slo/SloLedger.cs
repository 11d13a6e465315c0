using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Slo;

namespace GpuSharing.Grains.Slo;

/// <summary>
/// The SLO arithmetic, plain C#: requests and good requests per minute over the last 24 hours; per window the
/// attainment (good ÷ requests) and the burn rate (bad fraction ÷ (1 − target)); the error budget left over the 24-hour
/// window (1 − its burn rate); and the burn state of the SRE workbook's multi-window, multi-burn-rate alerts on the
/// windows kept here: <c>fast</c> when the 1-hour and 5-minute burn rates both exceed 14.4, <c>slow</c> when the
/// 24-hour and 1-hour both exceed 1. A request is good when it was served, its time to first token is within the TTFT
/// target and, when it has one, its time per output token within the TPOT target (a missing target is met).
/// </summary>
public sealed class SloLedger
{
    public const double DefaultTarget = 0.99;
    public const double FastBurnRate = 14.4;
    public const double SlowBurnRate = 1.0;

    public static readonly IReadOnlyList<(string Name, int Minutes)> Windows = [("5m", 5), ("1h", 60), ("24h", 1440)];

    private readonly SortedDictionary<long, (long Requests, long Good)> _minutes = [];

    public SloLedger(IEnumerable<SloMinute>? minutes = null)
    {
        foreach (var minute in minutes ?? [])
        {
            _minutes[minute.Minute] = (minute.Requests, minute.Good);
        }
    }

    public IReadOnlyList<SloMinute> Minutes => [.. _minutes.Select(m => new SloMinute(m.Key, m.Value.Requests, m.Value.Good))];

    /// <summary>The targets in force: null without a TTFT or TPOT target; the attainment target 0.99 unless given.</summary>
    public static SloSpec? Effective(SloSpec? spec) =>
        spec is null || (spec.TtftMs is null && spec.TpotMs is null) ? null : spec with { Target = spec.Target ?? DefaultTarget };

    public static bool IsGood(SloSample sample, SloSpec? targets) =>
        sample.Served
        && (targets?.TtftMs is not { } ttft || sample.TtftMs <= ttft)
        && (targets?.TpotMs is not { } tpot || sample.TpotMs is not { } measured || measured <= tpot);

    public void Add(SloSample sample, SloSpec? targets)
    {
        var minute = sample.At.ToUnixTimeSeconds() / 60;
        var (requests, good) = _minutes.GetValueOrDefault(minute);
        _minutes[minute] = (requests + 1, good + (IsGood(sample, targets) ? 1 : 0));
    }

    /// <summary>Forgets minutes older than the longest window.</summary>
    public void Trim(DateTimeOffset now)
    {
        var oldest = Minute(now) - Windows[^1].Minutes + 1;
        foreach (var minute in _minutes.Keys.TakeWhile(m => m < oldest).ToList())
        {
            _minutes.Remove(minute);
        }
    }

    /// <summary>Every window ending at <paramref name="now"/> (the current minute included), the budget left and the burn state.</summary>
    /// <summary>Minute by minute up to <paramref name="now"/>: requests, good, attainment, and the burn rate over the 5 minutes ending there.</summary>
    public IReadOnlyList<SloHistoryPoint> History(DateTimeOffset now, int minutes, SloSpec? targets)
    {
        var last = now.ToUnixTimeSeconds() / 60;
        var budget = targets?.Target is { } target ? 1 - target : (double?)null;
        var points = new List<SloHistoryPoint>(minutes);
        for (var minute = last - minutes + 1; minute <= last; minute++)
        {
            var (requests, good) = _minutes.TryGetValue(minute, out var counts) ? (counts.Requests, counts.Good) : (0L, 0L);
            long recentRequests = 0, recentGood = 0;
            for (var m = minute - 4; m <= minute; m++)
            {
                if (_minutes.TryGetValue(m, out var recent))
                {
                    recentRequests += recent.Requests;
                    recentGood += recent.Good;
                }
            }

            var burn = budget is > 0 && recentRequests > 0 ? (1 - (double)recentGood / recentRequests) / budget : null;
            points.Add(new SloHistoryPoint(DateTimeOffset.FromUnixTimeSeconds(minute * 60), requests, good, requests > 0 ? (double)good / requests : null, burn));
        }

        return points;
    }

    public (IReadOnlyList<SloWindow> Windows, double? BudgetRemaining, string Burn) Evaluate(DateTimeOffset now, SloSpec? targets)
    {
        var current = Minute(now);
        var target = Effective(targets)?.Target;
        var windows = Windows.Select(w =>
        {
            long requests = 0, good = 0;
            foreach (var (minute, counts) in _minutes)
            {
                if (minute > current - w.Minutes && minute <= current)
                {
                    requests += counts.Requests;
                    good += counts.Good;
                }
            }

            double? attainment = requests > 0 ? good / (double)requests : null;
            double? burn = attainment is { } a && target is { } t ? (1 - a) / (1 - t) : null;
            return new SloWindow(w.Name, requests, good, attainment, burn);
        }).ToList();

        var (fiveMinutes, hour, day) = (windows[0], windows[1], windows[2]);
        var state = target is null ? "no-slo"
            : day.Requests == 0 ? "no-data"
            : hour.BurnRate > FastBurnRate && fiveMinutes.BurnRate > FastBurnRate ? "fast"
            : day.BurnRate > SlowBurnRate && hour.BurnRate > SlowBurnRate ? "slow"
            : "ok";
        return (windows, day.BurnRate is { } dayBurn ? 1 - dayBurn : null, state);
    }

    private static long Minute(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;
}
