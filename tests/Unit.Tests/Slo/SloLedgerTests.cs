using GpuSharing.Grains.Interfaces.Models;
using GpuSharing.Grains.Interfaces.Slo;
using GpuSharing.Grains.Slo;

namespace GpuSharing.Unit.Tests.Slo;

/// <summary>The SLO arithmetic against hand-computed cases: good requests, windows, attainment, burn rate, budget, burn state.</summary>
public sealed class SloLedgerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 30, TimeSpan.Zero);
    private static readonly SloSpec Targets = new(500, 50, 0.99);

    [Theory]
    [InlineData(400, 40.0, true, true)]
    [InlineData(500, 50.0, true, true)]      // on the target is within it
    [InlineData(501, 40.0, true, false)]
    [InlineData(400, 51.0, true, false)]
    [InlineData(400, null, true, true)]      // no TPOT measured (one token, or not streamed): the TTFT decides
    [InlineData(100, 10.0, false, false)]    // not served is never good
    public void A_request_is_good_when_served_within_every_target(double ttft, double? tpot, bool served, bool good) =>
        Assert.Equal(good, SloLedger.IsGood(new SloSample(Now, ttft, tpot, ttft + 100, served), Targets));

    [Fact]
    public void Without_a_latency_target_there_is_no_SLO_and_the_attainment_target_defaults_to_99_percent()
    {
        Assert.Null(SloLedger.Effective(null));
        Assert.Null(SloLedger.Effective(new SloSpec(null, null, 0.9)));
        Assert.Equal(0.99, SloLedger.Effective(new SloSpec(300, null, null))!.Target);
        Assert.Equal(0.95, SloLedger.Effective(new SloSpec(null, 40, 0.95))!.Target);
    }

    [Fact]
    public void History_gives_every_minute_with_its_attainment_and_the_five_minute_burn_rate_ending_there()
    {
        var ledger = new SloLedger();
        Add(ledger, Now.AddMinutes(-2), good: 9, bad: 1);
        Add(ledger, Now, good: 10, bad: 0);

        var history = ledger.History(Now, 3, Targets);
        var untargeted = ledger.History(Now, 3, null);

        Assert.Equal(new[] { Now.AddMinutes(-2), Now.AddMinutes(-1), Now }.Select(t => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds() / 60 * 60)), history.Select(p => p.Minute));
        Assert.Equal([(10L, 9L), (0L, 0L), (10L, 10L)], history.Select(p => (p.Requests, p.Good)));
        Assert.Equal<double?>([0.9, null, 1.0], history.Select(p => p.Attainment));
        Assert.Equal(10.0, history[0].BurnRate5m!.Value, 6);   // 10 % bad against a 1 % budget
        Assert.Equal(10.0, history[1].BurnRate5m!.Value, 6);   // no request this minute: the 5 minutes ending here
        Assert.Equal(5.0, history[2].BurnRate5m!.Value, 6);    // 1 bad of 20
        Assert.All(untargeted, p => Assert.Null(p.BurnRate5m));
    }

    [Fact]
    public void Each_window_counts_the_minutes_it_covers_and_burn_is_the_bad_fraction_over_the_budget()
    {
        var ledger = new SloLedger();
        Add(ledger, Now, good: 98, bad: 2);                         // this minute
        Add(ledger, Now.AddMinutes(-10), good: 90, bad: 10);        // in 1 h and 24 h, not in 5 m
        Add(ledger, Now.AddHours(-2), good: 100, bad: 0);           // in 24 h only
        Add(ledger, Now.AddHours(-25), good: 0, bad: 50);           // outside every window

        var (windows, budget, burn) = ledger.Evaluate(Now, Targets);

        Assert.Equal([("5m", 100L, 98L), ("1h", 200L, 188L), ("24h", 300L, 288L)], windows.Select(w => (w.Window, w.Requests, w.Good)));
        Assert.Equal(0.98, windows[0].Attainment!.Value, 6);
        Assert.Equal(2.0, windows[0].BurnRate!.Value, 6);           // 2 % bad against a 1 % budget
        Assert.Equal(6.0, windows[1].BurnRate!.Value, 6);           // 12 of 200 bad
        Assert.Equal(4.0, windows[2].BurnRate!.Value, 6);           // 12 of 300 bad
        Assert.Equal(-3.0, budget!.Value, 6);                       // 24 h spent four budgets
        Assert.Equal("slow", burn);
    }

    [Fact]
    public void A_fast_burn_needs_both_the_hour_and_the_last_five_minutes_over_14_4()
    {
        var spike = new SloLedger();
        Add(spike, Now, good: 80, bad: 20);                         // 20 % bad: burn 20 in every window
        var recovered = new SloLedger();
        Add(recovered, Now.AddMinutes(-30), good: 50, bad: 50);     // the hour burns at 33 …
        Add(recovered, Now, good: 100, bad: 0);                     // … the last five minutes not at all

        Assert.Equal("fast", spike.Evaluate(Now, Targets).Burn);
        Assert.Equal("slow", recovered.Evaluate(Now, Targets).Burn);
    }

    [Fact]
    public void Good_service_is_ok_no_requests_is_no_data_and_no_targets_is_no_slo()
    {
        var ledger = new SloLedger();
        Add(ledger, Now, good: 995, bad: 5);                        // 0.5 % bad: half the budget

        var (windows, budget, burn) = ledger.Evaluate(Now, Targets);

        Assert.Equal(("ok", 0.5), (burn, Math.Round(budget!.Value, 6)));
        Assert.Equal(0.5, windows[2].BurnRate!.Value, 6);
        Assert.Equal("no-data", new SloLedger().Evaluate(Now, Targets).Burn);
        Assert.Equal(("no-slo", (double?)null), (ledger.Evaluate(Now, null).Burn, ledger.Evaluate(Now, null).BudgetRemaining));
    }

    [Fact]
    public void The_ledger_round_trips_its_minutes_and_forgets_those_older_than_a_day()
    {
        var ledger = new SloLedger();
        Add(ledger, Now, good: 3, bad: 1);
        Add(ledger, Now.AddHours(-30), good: 7, bad: 0);

        ledger.Trim(Now);
        var copy = new SloLedger(ledger.Minutes);

        var minute = Assert.Single(copy.Minutes);
        Assert.Equal((Now.ToUnixTimeSeconds() / 60, 4L, 3L), (minute.Minute, minute.Requests, minute.Good));
    }

    private static void Add(SloLedger ledger, DateTimeOffset at, int good, int bad)
    {
        for (var i = 0; i < good; i++)
        {
            ledger.Add(new SloSample(at, 100, 10, 500, true), Targets);
        }

        for (var i = 0; i < bad; i++)
        {
            ledger.Add(new SloSample(at, 900, 10, 1500, true), Targets);
        }
    }
}
