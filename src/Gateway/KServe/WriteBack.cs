namespace GpuSharing.Gateway.KServe;

/// <summary>
/// What the InferenceService should say and hold after a reconcile: the status annotation, the placement record (null:
/// keep what is there), the finalizer, KServe's stop annotation while the deployment has no partition, and the
/// predictor binding once it has one (null: leave the predictor as it is).
/// </summary>
public sealed record WriteBack(string Status, string? Placement, bool HoldFinalizer, bool Stop, PredictorBinding? Binding);
