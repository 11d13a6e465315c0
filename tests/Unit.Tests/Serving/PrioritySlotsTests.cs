using GpuSharing.InferenceSimulator;

namespace GpuSharing.Unit.Tests.Serving;

/// <summary>The simulator's priority scheduling, as vLLM's <c>--scheduling-policy priority</c>: lower first, preemption of the lowest running.</summary>
public sealed class PrioritySlotsTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_higher_priority_takes_the_slot_of_the_lowest_running_which_pauses_and_resumes_when_it_leaves()
    {
        var slots = new PrioritySlots(capacity: 1);
        var low = await slots.EnterAsync(2, Cancellation);
        var high = await slots.EnterAsync(0, Cancellation).WaitAsync(TimeSpan.FromSeconds(5), Cancellation); // at once: low is preempted

        var lowContinues = slots.ContinueAsync(low, Cancellation);
        Assert.False(lowContinues.IsCompleted);
        Assert.Equal((1, 1, 1), (slots.Load.Running, slots.Load.Waiting, low.Preemptions));

        slots.Leave(high);
        await lowContinues.WaitAsync(TimeSpan.FromSeconds(5), Cancellation);
        Assert.Equal((1, 0), slots.Load);
        slots.Leave(low);
        Assert.Equal((0, 0), slots.Load);
    }

    [Fact]
    public async Task Waiters_go_by_priority_then_arrival_an_equal_is_never_preempted_and_a_caller_that_leaves_frees_its_place()
    {
        var slots = new PrioritySlots(capacity: 1);
        var first = await slots.EnterAsync(1, Cancellation);
        var equal = slots.EnterAsync(1, Cancellation);                  // an equal waits: no preemption
        var lower = slots.EnterAsync(2, Cancellation);
        using var leaving = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var gone = slots.EnterAsync(0, leaving.Token);                   // preempts first… and then goes away
        await gone.WaitAsync(TimeSpan.FromSeconds(5), Cancellation);
        Assert.Equal(1, first.Preemptions);

        slots.Leave(await gone);                                         // first resumes before the later equal
        await slots.ContinueAsync(first, Cancellation).WaitAsync(TimeSpan.FromSeconds(5), Cancellation);
        Assert.False(equal.IsCompleted || lower.IsCompleted);

        slots.Leave(first);
        var second = await equal.WaitAsync(TimeSpan.FromSeconds(5), Cancellation);
        Assert.False(lower.IsCompleted);
        slots.Leave(second);
        slots.Leave(await lower.WaitAsync(TimeSpan.FromSeconds(5), Cancellation));
        Assert.Equal((0, 0), slots.Load);

        var holder = await slots.EnterAsync(0, Cancellation);
        var cancelled = slots.EnterAsync(0, leaving.Token);
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal((1, 0), slots.Load);
        slots.Leave(holder);
    }
}
