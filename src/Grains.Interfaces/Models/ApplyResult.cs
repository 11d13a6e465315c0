namespace GpuSharing.Grains.Interfaces.Models;

[GenerateSerializer, Immutable, Alias("gpusharing.ApplyResult")]
public sealed record ApplyResult(ApplyOutcome Outcome, ModelView? Model, string? Field, string? Error);
