using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Catalog;

/// <summary>A known model: its Hugging Face id, the aliases it is also known by, and its architecture (from its config.json).</summary>
public sealed record ModelCatalogEntry(string HuggingFaceId, IReadOnlyList<string> Aliases, ModelArchitecture Architecture, bool MixtureOfExperts = false);
