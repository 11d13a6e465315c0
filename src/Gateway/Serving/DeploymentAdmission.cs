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
/// <para>
/// Headroom: a running request holds its slot for its whole answer (seconds of decoding), so a request of a higher
/// class that finds every slot taken by lower ones waits for one to finish, and its time to first token with it.
/// While a higher class is active (running, waiting, or seen within <c>demandMemory</c>), <c>headroomShare</c> of the
/// slots — or, when the classes above were busier than that within the memory, their peak of running and waiting
/// requests plus one, never every slot — are therefore kept for them: the requests of a class and the classes below
/// it together stay under the capacity less that headroom. A class idle for <c>demandMemory</c> keeps nothing; the
/// highest class is never held back. The memory is read when a request comes or goes and when the deployment is resized (every refresh).
/// </para>
/// </summary>
public sealed class DeploymentAdmission(TimeProvider time, double headroomShare = 0, TimeSpan demandMemory = default)
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
    private readonly Dictionary<Priority, long?> _lastSeen = new() { [Priority.High] = null, [Priority.Medium] = null, [Priority.Low] = null };
    private readonly Dictionary<Priority, (int Peak, long At)> _peak = new() { [Priority.High] = (0, 0), [Priority.Medium] = (0, 0), [Priority.Low] = (0, 0) };
    private int _capacity;
    private int _queuePerClass;
    private bool _preemptive;

    /// <summary>Requests running now and waiting now, per class.</summary>
    public (int Running, int Waiting) Load(Priority priority)
    {
        lock (_gate)
        {
            return (_running[priority], _queues[priority].Count);
        }
    }

    /// <summary>
    /// Sets the concurrency (0: nothing runs, everything waits) and the queue bound per class; lets waiters in if there
    /// is room. <paramref name="preemptive"/>: the servers schedule by priority and preempt (vLLM's
    /// <c>--scheduling-policy priority</c>), so a request may run beyond the capacity while as many requests of lower
    /// classes run as it exceeds it — the server pauses one of them — and its class and those above stay within it.
    /// </summary>
    public void Resize(int capacity, int queuePerClass, bool preemptive = false)
    {
        lock (_gate)
        {
            _capacity = Math.Max(0, capacity);
            _queuePerClass = Math.Max(0, queuePerClass);
            _preemptive = preemptive;
            GrantWhileRoom();
        }
    }

    /// <summary>Waits for a slot until <paramref name="deadline"/>; never throws for the caller's cancellation (the outcome says).</summary>
    public async Task<Admission> EnterAsync(Priority priority, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            if (MayRun(priority) && !WaitingAtOrAbove(priority))
            {
                _running[priority]++;
                Observe(priority);
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
            Observe(priority);
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
            Observe(priority);
            GrantWhileRoom();
        }
    });

    private void GrantWhileRoom()
    {
        while (Dequeue() is { } next)
        {
            _running[next.Priority]++;
            if (!next.Completion.TrySetResult(AdmissionOutcome.Admitted))
            {
                _running[next.Priority]--;
            }
        }
    }

    /// <summary>The oldest waiter of the highest waiting class, if that class may run now; a lower class never passes a higher one that waits.</summary>
    private Waiter? Dequeue()
    {
        foreach (var priority in HighestFirst)
        {
            if (_queues[priority].First is { } first)
            {
                if (!MayRun(priority))
                {
                    return null;
                }

                _queues[priority].RemoveFirst();
                return first.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// A slot is free, and taking it leaves the headroom of every class at or above <paramref name="priority"/> whole:
    /// for each such class <c>q</c> with a class above it active, the requests of <c>q</c> and below stay under the
    /// capacity less the headroom. Checking the classes above too keeps a lower class from taking what a higher one
    /// below the top may not (the limits nest: <c>low</c> never gets more room than <c>medium</c>).
    /// </summary>
    private bool MayRun(Priority priority)
    {
        var running = _running.Values.Sum();
        if (running >= _capacity)
        {
            var atOrAbove = HighestFirst.Where(p => p >= priority).Sum(p => _running[p]);
            var below = running - atOrAbove;
            return _preemptive && atOrAbove < _capacity && below > running - _capacity;
        }

        var share = headroomShare > 0 && demandMemory > TimeSpan.Zero ? (int)Math.Floor(_capacity * headroomShare) : 0;
        if (share == 0)
        {
            return true;
        }

        foreach (var level in HighestFirst.Where(q => q >= priority && q < Priority.High))
        {
            var above = HighestFirst.Where(p => p > level).ToList();
            if (!above.Any(Active))
            {
                continue;
            }

            // The share, or more when the classes above were busier than that lately (plus one for their next
            // arrival) — never every slot, so that a lower class always moves.
            var headroom = Math.Min(_capacity - 1, Math.Max(share, above.Sum(RecentPeak) + 1));
            var atOrBelow = HighestFirst.Where(p => p <= level).Sum(p => _running[p]);
            if (atOrBelow + headroom >= _capacity)
            {
                return false;
            }
        }

        return true;
    }

    private bool Active(Priority priority) =>
        _running[priority] + _queues[priority].Count > 0 || (_lastSeen[priority] is { } seen && time.GetElapsedTime(seen) < demandMemory);

    /// <summary>The most requests the class ran and queued at once within the demand memory.</summary>
    private int RecentPeak(Priority priority)
    {
        var now = _running[priority] + _queues[priority].Count;
        var (peak, at) = _peak[priority];
        return time.GetElapsedTime(at) < demandMemory ? Math.Max(peak, now) : now;
    }

    /// <summary>Notes that the class was active now (its headroom lasts the demand memory from here) and how busy.</summary>
    private void Observe(Priority priority)
    {
        var now = time.GetTimestamp();
        _lastSeen[priority] = now;
        var current = _running[priority] + _queues[priority].Count;
        var (peak, at) = _peak[priority];
        if (current >= peak || time.GetElapsedTime(at) >= demandMemory)
        {
            _peak[priority] = (current, now);
        }
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
