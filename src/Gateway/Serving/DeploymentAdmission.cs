using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// Admission for one deployment: at most <c>capacity</c> requests run (its routable replicas' sequence limits added
/// up); the rest wait in one bounded queue per priority class and are let in highest class first, oldest first.
/// Under overload the lowest class goes first: a full queue makes room for a higher-class request by shedding the
/// newest waiter of the lowest class below it, and a request of a class that finds nobody below it in the queue is
/// shed only if nobody below it holds a slot either — so <c>high</c> is never shed while a lower class holds a slot
/// or a queue place. A waiter whose deadline passes leaves the queue. Strict priority between classes, first come
/// first served within one; a class is served whenever no higher class waits, so <c>medium</c> never starves
/// while <c>high</c> is idle.
/// </summary>
public sealed class DeploymentAdmission(TimeProvider time)
{
    private static readonly Priority[] HighestFirst = [Priority.High, Priority.Medium, Priority.Low];

    private readonly Lock _gate = new();
    private readonly Dictionary<Priority, LinkedList<Waiter>> _queues = new()
    {
        [Priority.High] = new(),
        [Priority.Medium] = new(),
        [Priority.Low] = new(),
    };

    private readonly Dictionary<Priority, int> _running = new() { [Priority.High] = 0, [Priority.Medium] = 0, [Priority.Low] = 0 };
    private int _capacity;
    private int _queuePerClass;

    /// <summary>Requests running now and waiting now, per class.</summary>
    public (int Running, int Waiting) Load(Priority priority)
    {
        lock (_gate)
        {
            return (_running[priority], _queues[priority].Count);
        }
    }

    /// <summary>Sets the concurrency (0: nothing runs, everything waits) and the queue bound per class; lets waiters in if there is room.</summary>
    public void Resize(int capacity, int queuePerClass)
    {
        lock (_gate)
        {
            _capacity = Math.Max(0, capacity);
            _queuePerClass = Math.Max(0, queuePerClass);
            GrantWhileRoom();
        }
    }

    /// <summary>Waits for a slot until <paramref name="deadline"/>; never throws for the caller's cancellation (the outcome says).</summary>
    public async Task<Admission> EnterAsync(Priority priority, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            if (_running.Values.Sum() < _capacity && !WaitingAtOrAbove(priority))
            {
                _running[priority]++;
                return Slot(priority);
            }

            if (_queues[priority].Count >= _queuePerClass)
            {
                if (NewestWaiterBelow(priority) is { } victim)
                {
                    _queues[victim.Priority].Remove(victim.Node!);
                    victim.Completion.TrySetResult(AdmissionOutcome.Shed);
                }
                else if (!HoldsSlotBelow(priority))
                {
                    return new Admission(AdmissionOutcome.Shed, null);
                }

                // Otherwise a lower class holds a slot: this request waits beyond its class's bound rather than be shed.
            }

            waiter = new Waiter(priority);
            waiter.Node = _queues[priority].AddLast(waiter);
        }

        var outcome = await WaitAsync(waiter, deadline, cancellationToken);
        return outcome == AdmissionOutcome.Admitted ? Slot(priority) : new Admission(outcome, null);
    }

    private async Task<AdmissionOutcome> WaitAsync(Waiter waiter, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var remaining = deadline - time.GetUtcNow();
        if (remaining > TimeSpan.Zero)
        {
            try
            {
                return await waiter.Completion.Task.WaitAsync(remaining, time, expiry.Token);
            }
            catch (TimeoutException)
            {
                // the deadline passed: leave the queue below, unless a slot came at the same moment
            }
            catch (OperationCanceledException)
            {
                // the caller went away
            }
        }

        lock (_gate)
        {
            if (waiter.Node?.List is not null)
            {
                _queues[waiter.Priority].Remove(waiter.Node);
                return cancellationToken.IsCancellationRequested ? AdmissionOutcome.Cancelled : AdmissionOutcome.DeadlineExceeded;
            }
        }

        // It left the queue meanwhile: granted (then keep the slot) or shed.
        return await waiter.Completion.Task;
    }

    private Admission Slot(Priority priority) => new(AdmissionOutcome.Admitted, () =>
    {
        lock (_gate)
        {
            _running[priority]--;
            GrantWhileRoom();
        }
    });

    private void GrantWhileRoom()
    {
        while (_running.Values.Sum() < _capacity && Dequeue() is { } next)
        {
            _running[next.Priority]++;
            if (!next.Completion.TrySetResult(AdmissionOutcome.Admitted))
            {
                _running[next.Priority]--;
            }
        }
    }

    private Waiter? Dequeue()
    {
        foreach (var priority in HighestFirst)
        {
            if (_queues[priority].First is { } first)
            {
                _queues[priority].RemoveFirst();
                return first.Value;
            }
        }

        return null;
    }

    private bool WaitingAtOrAbove(Priority priority) => HighestFirst.Where(p => p >= priority).Any(p => _queues[p].Count > 0);

    private bool HoldsSlotBelow(Priority priority) => HighestFirst.Where(p => p < priority).Any(p => _running[p] > 0);

    private Waiter? NewestWaiterBelow(Priority priority) =>
        HighestFirst.Reverse().Where(p => p < priority).Select(p => _queues[p].Last?.Value).FirstOrDefault(w => w is not null);

    private sealed class Waiter(Priority priority)
    {
        public Priority Priority { get; } = priority;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource<AdmissionOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
