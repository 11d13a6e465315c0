namespace GpuSharing.Gateway.Serving;

/// <summary>The outcome of <see cref="DeploymentAdmission.EnterAsync"/>; an admitted request releases its slot by disposing.</summary>
public sealed class Admission(AdmissionOutcome outcome, Action? release) : IDisposable
{
    private Action? _release = release;

    public AdmissionOutcome Outcome { get; } = outcome;

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
