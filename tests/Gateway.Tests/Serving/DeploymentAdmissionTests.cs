using GpuSharing.Gateway.Serving;
using GpuSharing.Grains.Interfaces.Models;
using Microsoft.Extensions.Time.Testing;

namespace GpuSharing.Gateway.Tests.Serving;

/// <summary>Admission by priority on a fake clock: order, shedding, deadlines, and the invariants over seeded random load.</summary>
public sealed class DeploymentAdmissionTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Later => _time.GetUtcNow().AddMinutes(5);

    [Fact]
    public async Task Waiters_are_let_in_highest_class_first_and_oldest_first_within_a_class()
    {
        var admission = Admission(capacity: 1, queuePerClass: 10);
        var holder = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        var order = new List<string>();
        var waiting = new[] { ("low-2", Priority.Low), ("medium-1", Priority.Medium), ("high-1", Priority.High), ("medium-2", Priority.Medium) }
            .Select(w => (Name: w.Item1, Task: admission.EnterAsync(w.Item2, Later, CancellationToken.None)))
            .ToList();

        var current = holder;
        for (var i = 0; i < waiting.Count; i++)
        {
            current.Dispose();
            var next = await Task.WhenAny(waiting.Where(w => !order.Contains(w.Name)).Select(w => w.Task)).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            var name = waiting.Single(w => w.Task == next).Name;
            order.Add(name);
            current = await next;
            Assert.Equal(AdmissionOutcome.Admitted, current.Outcome);
        }

        current.Dispose();
        Assert.Equal(AdmissionOutcome.Admitted, holder.Outcome);
        Assert.Equal(["high-1", "medium-1", "medium-2", "low-2"], order);
    }

    [Fact]
    public async Task The_lowest_class_is_shed_first_and_high_is_not_shed_while_a_lower_class_holds_a_place()
    {
        var admission = Admission(capacity: 1, queuePerClass: 1);
        using var low = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        var queuedLow = admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        var queuedMedium = admission.EnterAsync(Priority.Medium, Later, CancellationToken.None);
        var high1 = admission.EnterAsync(Priority.High, Later, CancellationToken.None);

        var high2 = admission.EnterAsync(Priority.High, Later, CancellationToken.None);   // the high queue is full: the newest lower waiter goes
        var shedLow = await queuedLow.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var high3 = admission.EnterAsync(Priority.High, Later, CancellationToken.None);   // … then the medium one
        var shedMedium = await queuedMedium.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        var high4 = admission.EnterAsync(Priority.High, Later, CancellationToken.None);   // nobody below waits, but a low holds the slot: it waits
        var queuedLow2 = admission.EnterAsync(Priority.Low, Later, CancellationToken.None);  // the low queue has a place again
        var lateLow = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None)  // … and now none: shed at once
            .WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal((AdmissionOutcome.Shed, AdmissionOutcome.Shed, AdmissionOutcome.Shed), (shedLow.Outcome, shedMedium.Outcome, lateLow.Outcome));
        Assert.False(high1.IsCompleted || high2.IsCompleted || high3.IsCompleted || high4.IsCompleted || queuedLow2.IsCompleted);
        Assert.Equal((0, 4), admission.Load(Priority.High));
    }

    [Fact]
    public async Task When_every_slot_and_queue_place_is_high_a_further_high_request_is_shed()
    {
        var admission = Admission(capacity: 1, queuePerClass: 1);
        using var running = await admission.EnterAsync(Priority.High, Later, CancellationToken.None);
        var queued = admission.EnterAsync(Priority.High, Later, CancellationToken.None);

        using var shed = await admission.EnterAsync(Priority.High, Later, CancellationToken.None);

        Assert.Equal(AdmissionOutcome.Shed, shed.Outcome);
        Assert.False(queued.IsCompleted);
    }

    [Fact]
    public async Task A_waiter_leaves_the_queue_when_its_deadline_passes_and_the_next_one_gets_the_slot()
    {
        var admission = Admission(capacity: 1, queuePerClass: 4);
        var holder = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        var hurried = admission.EnterAsync(Priority.Medium, _time.GetUtcNow().AddMilliseconds(100), CancellationToken.None);
        var patient = admission.EnterAsync(Priority.Low, Later, CancellationToken.None);

        _time.Advance(TimeSpan.FromMilliseconds(150));
        var expired = await hurried.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        holder.Dispose();
        using var next = await patient.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(AdmissionOutcome.DeadlineExceeded, expired.Outcome);
        Assert.Equal(AdmissionOutcome.Admitted, next.Outcome);
        Assert.Equal((0, 0), admission.Load(Priority.Medium));
    }

    [Fact]
    public async Task A_caller_that_goes_away_while_waiting_leaves_its_place()
    {
        var admission = Admission(capacity: 1, queuePerClass: 4);
        using var holder = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        using var gone = new CancellationTokenSource();
        var waiting = admission.EnterAsync(Priority.High, Later, gone.Token);

        await gone.CancelAsync();
        var outcome = await waiting.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(AdmissionOutcome.Cancelled, outcome.Outcome);
        Assert.Equal((0, 0), admission.Load(Priority.High));
    }

    [Fact]
    public async Task A_larger_capacity_lets_waiters_in_at_once_and_none_lets_nobody_run()
    {
        var admission = Admission(capacity: 0, queuePerClass: 4);
        var waiting = admission.EnterAsync(Priority.Medium, Later, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        admission.Resize(2, 4);
        using var admitted = await waiting.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(AdmissionOutcome.Admitted, admitted.Outcome);
        Assert.Equal((1, 0), admission.Load(Priority.Medium));
    }

    [Fact]
    public async Task While_a_higher_class_is_active_its_headroom_stays_free_and_the_limits_nest()
    {
        var admission = Admission(capacity: 4, queuePerClass: 10, headroomShare: 0.5);
        (await admission.EnterAsync(Priority.High, Later, CancellationToken.None)).Dispose(); // high was here a moment ago

        var low1 = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        var low2 = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        var low3 = admission.EnterAsync(Priority.Low, Later, CancellationToken.None);       // 2 of 4 slots are kept for high
        var medium = admission.EnterAsync(Priority.Medium, Later, CancellationToken.None);  // medium and below share the other 2
        Assert.Equal((AdmissionOutcome.Admitted, AdmissionOutcome.Admitted), (low1.Outcome, low2.Outcome));
        Assert.False(low3.IsCompleted || medium.IsCompleted);

        using var high1 = await admission.EnterAsync(Priority.High, Later, CancellationToken.None);
        using var high2 = await admission.EnterAsync(Priority.High, Later, CancellationToken.None);
        Assert.Equal((AdmissionOutcome.Admitted, AdmissionOutcome.Admitted), (high1.Outcome, high2.Outcome));

        // High ran 2 at once: 3 slots (its peak and one more) are kept for it now, leaving medium and below 1.
        low1.Dispose();
        Assert.False(medium.IsCompleted);
        low2.Dispose(); // that one slot frees: the medium waiter gets it, before the older low one
        using var admittedMedium = await medium.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(AdmissionOutcome.Admitted, admittedMedium.Outcome);
        Assert.False(low3.IsCompleted);
        Assert.Equal((0, 1), admission.Load(Priority.Low));
    }

    [Fact]
    public async Task With_servers_that_preempt_a_higher_class_runs_beyond_the_capacity_as_far_as_lower_ones_run()
    {
        var admission = new DeploymentAdmission(_time);
        admission.Resize(2, 4, preemptive: true);
        using var low1 = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);
        using var low2 = await admission.EnterAsync(Priority.Low, Later, CancellationToken.None);

        using var high1 = await admission.EnterAsync(Priority.High, Later, CancellationToken.None); // the server pauses a low one
        using var high2 = await admission.EnterAsync(Priority.High, Later, CancellationToken.None); // … and the other
        var high3 = admission.EnterAsync(Priority.High, Later, CancellationToken.None);             // high alone fills the capacity: it waits
        var low3 = admission.EnterAsync(Priority.Low, Later, CancellationToken.None);

        Assert.Equal((AdmissionOutcome.Admitted, AdmissionOutcome.Admitted), (high1.Outcome, high2.Outcome));
        Assert.False(high3.IsCompleted || low3.IsCompleted);
        Assert.Equal(((2, 1), (2, 1)), (admission.Load(Priority.High), admission.Load(Priority.Low)));

        admission.Resize(2, 4, preemptive: false); // servers that cannot preempt: nothing beyond the capacity
        low1.Dispose();
        Assert.False(high3.IsCompleted);
        high1.Dispose();
        high2.Dispose();
        low2.Dispose();
        using var third = await high3.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Equal(AdmissionOutcome.Admitted, third.Outcome);
    }

    [Fact]
    public async Task A_higher_class_idle_for_the_demand_memory_keeps_nothing()
    {
        var admission = Admission(capacity: 4, queuePerClass: 10, headroomShare: 0.5);
        (await admission.EnterAsync(Priority.High, Later, CancellationToken.None)).Dispose();
        var lows = new List<Admission>();
        for (var i = 0; i < 2; i++)
        {
            lows.Add(await admission.EnterAsync(Priority.Low, Later, CancellationToken.None));
        }

        var third = admission.EnterAsync(Priority.Low, _time.GetUtcNow().AddHours(1), CancellationToken.None);
        _time.Advance(DemandMemory - TimeSpan.FromSeconds(1));
        admission.Resize(4, 10);
        Assert.False(third.IsCompleted);

        _time.Advance(TimeSpan.FromSeconds(1)); // high has been idle for the whole memory: low may use every slot
        admission.Resize(4, 10);
        lows.Add(await third.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        lows.Add(await admission.EnterAsync(Priority.Low, Later, CancellationToken.None));

        Assert.All(lows, l => Assert.Equal(AdmissionOutcome.Admitted, l.Outcome));
        Assert.Equal((4, 0), admission.Load(Priority.Low));
        lows.ForEach(l => l.Dispose());
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(7, 0.0)]
    [InlineData(42, 0.0)]
    [InlineData(2026, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(7, 0.5)]
    [InlineData(42, 0.34)]
    [InlineData(2026, 0.67)]
    public async Task Over_random_arrivals_and_departures_no_class_overtakes_a_higher_one_and_high_is_shed_only_when_nothing_lower_holds_a_place(int seed, double headroomShare)
    {
        var random = new Random(seed);
        const int capacity = 3;
        var admission = Admission(capacity, queuePerClass: 2, headroomShare);
        var headroom = (int)Math.Floor(capacity * headroomShare);
        var seen = new HashSet<Priority>();
        var running = new List<(Priority Priority, Admission Slot)>();
        var pending = new List<(Priority Priority, Task<Admission> Task)>();
        for (var step = 0; step < 2_000; step++)
        {
            if (random.Next(3) > 0 || running.Count == 0)
            {
                var priority = (Priority)random.Next(3);
                seen.Add(priority);
                var lowerHolds = Enum.GetValues<Priority>().Where(p => p < priority).Any(p => admission.Load(p) is var l && l.Running + l.Waiting > 0);
                var task = admission.EnterAsync(priority, Later, CancellationToken.None);
                if (task.IsCompleted && (await task).Outcome == AdmissionOutcome.Shed)
                {
                    Assert.False(priority == Priority.High && lowerHolds, $"step {step}: high shed while a lower class held a place");
                }
                else
                {
                    pending.Add((priority, task));
                }
            }
            else
            {
                var leaving = running[random.Next(running.Count)];
                running.Remove(leaving);
                leaving.Slot.Dispose();
            }

            // A granted waiter's task completes on the thread pool: settle until every slot the admission counts is seen here.
            var settled = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (true)
            {
                foreach (var done in pending.Where(p => p.Task.IsCompleted).ToList())
                {
                    pending.Remove(done);
                    var result = await done.Task;
                    if (result.Outcome == AdmissionOutcome.Admitted)
                    {
                        var higherWaiting = Enum.GetValues<Priority>().Where(p => p > done.Priority).Any(p => admission.Load(p).Waiting > 0);
                        Assert.False(higherWaiting, $"step {step}: a {done.Priority} request got a slot while a higher class waited");
                        running.Add((done.Priority, result));
                        foreach (var level in new[] { Priority.Low, Priority.Medium }.Where(l => l >= done.Priority && seen.Any(p => p > l)))
                        {
                            // The clock stands still here, so a class once seen stays active: no grant may eat into its headroom.
                            var atOrBelow = running.Count(r => r.Priority <= level);
                            Assert.True(atOrBelow <= capacity - headroom, $"step {step}: a {done.Priority} grant leaves {level} and below running {atOrBelow} with {headroom} of {capacity} kept for the classes above");
                        }
                    }
                }

                if (Enum.GetValues<Priority>().Sum(p => admission.Load(p).Running) == running.Count || DateTime.UtcNow > settled)
                {
                    break;
                }

                await Task.Delay(1, TestContext.Current.CancellationToken);
            }

            Assert.True(running.Count <= capacity, $"step {step}: {running.Count} running with capacity {capacity}");

            Assert.Equal(running.Count, Enum.GetValues<Priority>().Sum(p => admission.Load(p).Running));
        }
    }

    private static readonly TimeSpan DemandMemory = TimeSpan.FromMinutes(5);

    private DeploymentAdmission Admission(int capacity, int queuePerClass, double headroomShare = 0)
    {
        var admission = new DeploymentAdmission(_time, headroomShare, DemandMemory);
        admission.Resize(capacity, queuePerClass);
        return admission;
    }
}
