namespace GpuSharing.InferenceSimulator;

/// <summary>
/// A replica's sequence slots with vLLM's priority scheduling (<c>--scheduling-policy priority</c>): a request's
/// <c>priority</c> (lower is served first; 0 when it gives none) orders the waiters, and a request that finds every slot
/// taken preempts the running sequence of the lowest priority below its own (the newest of them), which pauses between
/// two tokens and resumes, first among its equals, when a slot frees.
/// </summary>
public sealed class PrioritySlots(int capacity)
{
    private readonly Lock _gate = new();
    private readonly List<Holder> _running = [];
    private readonly List<Holder> _waiting = [];
    private long _sequence;

    /// <summary>Sequences running now and waiting (new or preempted) now.</summary>
    public (int Running, int Waiting) Load
    {
        get
        {
            lock (_gate)
            {
                return (_running.Count, _waiting.Count);
            }
        }
    }

    /// <summary>Waits for a slot; the holder must be given back with <see cref="Leave"/> whatever happens.</summary>
    public async Task<Holder> EnterAsync(int priority, CancellationToken cancellationToken)
    {
        Holder holder;
        lock (_gate)
        {
            holder = new Holder(priority, _sequence++);
            if (_running.Count < Math.Max(1, capacity))
            {
                Run(holder);
            }
            else if (_running.Where(r => r.Priority > priority).OrderByDescending(r => r.Priority).ThenByDescending(r => r.Sequence).FirstOrDefault() is { } victim)
            {
                _running.Remove(victim);
                victim.Preempt();
                Enqueue(victim);
                Run(holder);
            }
            else
            {
                Enqueue(holder);
            }
        }

        try
        {
            await holder.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Leave(holder); // the caller went away: its place (or the slot granted meanwhile) goes to the next
            throw;
        }

        return holder;
    }

    /// <summary>Between two tokens: waits while the holder is preempted.</summary>
    public Task ContinueAsync(Holder holder, CancellationToken cancellationToken) => holder.WaitAsync(cancellationToken);

    public void Leave(Holder holder)
    {
        lock (_gate)
        {
            if (!_running.Remove(holder))
            {
                _waiting.Remove(holder);
                return;
            }

            if (_waiting.Count > 0)
            {
                var next = _waiting[0];
                _waiting.RemoveAt(0);
                Run(next);
            }
        }
    }

    private void Run(Holder holder)
    {
        _running.Add(holder);
        holder.Resume();
    }

    /// <summary>Priority first, then arrival: a preempted sequence keeps its arrival and so goes before later equals.</summary>
    private void Enqueue(Holder holder)
    {
        var at = _waiting.FindIndex(w => w.Priority > holder.Priority || (w.Priority == holder.Priority && w.Sequence > holder.Sequence));
        _waiting.Insert(at < 0 ? _waiting.Count : at, holder);
    }

    public sealed class Holder(int priority, long sequence)
    {
        private TaskCompletionSource _granted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Priority { get; } = priority;

        public long Sequence { get; } = sequence;

        /// <summary>How often it was paused for a higher priority.</summary>
        public int Preemptions { get; private set; }

        internal Task WaitAsync(CancellationToken cancellationToken) => Volatile.Read(ref _granted).Task.WaitAsync(cancellationToken);

        internal void Resume() => Volatile.Read(ref _granted).TrySetResult();

        internal void Preempt()
        {
            Preemptions++;
            Volatile.Write(ref _granted, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }
}
