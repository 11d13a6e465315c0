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

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    [InlineData(2026)]
    public async Task Over_random_arrivals_and_departures_no_class_overtakes_a_higher_one_and_high_is_shed_only_when_nothing_lower_holds_a_place(int seed)
    {
        var random = new Random(seed);
        const int capacity = 3;
        var admission = Admission(capacity, queuePerClass: 2);
        var running = new List<(Priority Priority, Admission Slot)>();
        var pending = new List<(Priority Priority, Task<Admission> Task)>();
        for (var step = 0; step < 2_000; step++)
        {
            if (random.Next(3) > 0 || running.Count == 0)
            {
                var priority = (Priority)random.Next(3);
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

    private DeploymentAdmission Admission(int capacity, int queuePerClass)
    {
        var admission = new DeploymentAdmission(_time);
        admission.Resize(capacity, queuePerClass);
        return admission;
    }
}
