namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// What sizing needs to know about a model: parameters (all experts for a mixture of experts), layers, KV heads and
/// head dimension (for the KV cache), and the context length it was trained for.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.ModelArchitecture")]
public sealed record ModelArchitecture(double ParametersBillions, int Layers, int KvHeads, int HeadDim, int DefaultContext);
