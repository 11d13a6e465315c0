namespace GpuSharing.Chaos;

/// <summary>What an acknowledged PUT promised a deployment is: its model and replica count.</summary>
public sealed record DeploymentPromise(string Model, int Replicas);
