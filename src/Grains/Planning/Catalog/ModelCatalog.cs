using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Grains.Planning.Catalog;

/// <summary>
/// Architectures of common open models, from their Hugging Face configs (parameters, num_hidden_layers,
/// num_key_value_heads, head_dim, max_position_embeddings). Lookups accept the Hugging Face id, an alias, or either
/// with an <c>-Instruct</c>/<c>-it</c>/<c>-chat</c> suffix, case-insensitively.
/// </summary>
public static class ModelCatalog
{
    private static readonly Lazy<Dictionary<string, ModelCatalogEntry>> Index = new(BuildIndex);

    public static IReadOnlyList<ModelCatalogEntry> Entries { get; } =
    [
        // Llama 3.x (GQA, 8 KV heads)
        Entry("meta-llama/Llama-3.2-1B", ["llama-3.2-1b", "llama3.2-1b"], 1.24, 16, 8, 64, 131072),
        Entry("meta-llama/Llama-3.2-3B", ["llama-3.2-3b", "llama3.2-3b"], 3.21, 28, 8, 128, 131072),
        Entry("meta-llama/Meta-Llama-3-8B", ["llama-3-8b", "llama3-8b"], 8.03, 32, 8, 128, 8192),
        Entry("meta-llama/Llama-3.1-8B", ["llama-3.1-8b", "llama3.1-8b", "meta-llama/Meta-Llama-3.1-8B"], 8.03, 32, 8, 128, 131072),
        Entry("meta-llama/Llama-3.1-70B", ["llama-3.1-70b", "llama3.1-70b", "meta-llama/Meta-Llama-3.1-70B"], 70.6, 80, 8, 128, 131072),
        Entry("meta-llama/Llama-3.3-70B-Instruct", ["llama-3.3-70b", "llama3.3-70b"], 70.6, 80, 8, 128, 131072),

        // Llama 2 (7B and 13B with full multi-head attention: 32 and 40 KV heads; 70B with GQA)
        Entry("meta-llama/Llama-2-7b-hf", ["llama-2-7b", "llama2-7b", "meta-llama/Llama-2-7b"], 6.74, 32, 32, 128, 4096),
        Entry("meta-llama/Llama-2-13b-hf", ["llama-2-13b", "llama2-13b", "meta-llama/Llama-2-13b"], 13.0, 40, 40, 128, 4096),
        Entry("meta-llama/Llama-2-70b-hf", ["llama-2-70b", "llama2-70b", "meta-llama/Llama-2-70b"], 69.0, 80, 8, 128, 4096),

        // Qwen2
        Entry("Qwen/Qwen2-0.5B", ["qwen2-0.5b"], 0.49, 24, 2, 64, 32768),
        Entry("Qwen/Qwen2-1.5B", ["qwen2-1.5b"], 1.54, 28, 2, 128, 32768),
        Entry("Qwen/Qwen2-7B", ["qwen2-7b"], 7.62, 28, 4, 128, 32768),
        Entry("Qwen/Qwen2-72B", ["qwen2-72b"], 72.7, 80, 8, 128, 32768),

        // Qwen2.5
        Entry("Qwen/Qwen2.5-0.5B", ["qwen2.5-0.5b"], 0.49, 24, 2, 64, 32768),
        Entry("Qwen/Qwen2.5-1.5B", ["qwen2.5-1.5b"], 1.54, 28, 2, 128, 32768),
        Entry("Qwen/Qwen2.5-3B", ["qwen2.5-3b"], 3.09, 36, 2, 128, 32768),
        Entry("Qwen/Qwen2.5-7B", ["qwen2.5-7b"], 7.62, 28, 4, 128, 32768),
        Entry("Qwen/Qwen2.5-14B", ["qwen2.5-14b"], 14.7, 48, 8, 128, 32768),
        Entry("Qwen/Qwen2.5-32B", ["qwen2.5-32b"], 32.5, 64, 8, 128, 32768),
        Entry("Qwen/Qwen2.5-72B", ["qwen2.5-72b"], 72.7, 80, 8, 128, 32768),

        // Mistral, Mixtral (a mixture of experts keeps every expert in memory)
        Entry("mistralai/Mistral-7B-v0.3", ["mistral-7b", "mistral-7b-v0.3", "mistralai/Mistral-7B-Instruct-v0.3", "mistral-7b-instruct-v0.3"], 7.25, 32, 8, 128, 32768),
        Entry("mistralai/Mixtral-8x7B-v0.1", ["mixtral-8x7b"], 46.7, 32, 8, 128, 32768, moe: true),

        // Gemma 2
        Entry("google/gemma-2-2b", ["gemma-2-2b", "gemma2-2b"], 2.61, 26, 4, 256, 8192),
        Entry("google/gemma-2-9b", ["gemma-2-9b", "gemma2-9b"], 9.24, 42, 8, 256, 8192),
        Entry("google/gemma-2-27b", ["gemma-2-27b", "gemma2-27b"], 27.2, 46, 16, 128, 8192),

        // Phi-3 (mini has no grouped-query attention: 32 KV heads)
        Entry("microsoft/Phi-3-mini-4k-instruct", ["phi-3-mini", "phi-3-mini-4k"], 3.82, 32, 32, 96, 4096),
        Entry("microsoft/Phi-3-mini-128k-instruct", ["phi-3-mini-128k"], 3.82, 32, 32, 96, 131072),
        Entry("microsoft/Phi-3-small-8k-instruct", ["phi-3-small", "phi-3-small-8k"], 7.39, 32, 8, 128, 8192),
        Entry("microsoft/Phi-3-medium-4k-instruct", ["phi-3-medium", "phi-3-medium-4k"], 14.0, 40, 10, 128, 4096),
    ];

    /// <summary>The entry for a Hugging Face id or alias, or null.</summary>
    public static ModelCatalogEntry? Find(string? model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return null;
        }

        foreach (var candidate in Candidates(model.Trim()))
        {
            if (Index.Value.TryGetValue(candidate, out var entry))
            {
                return entry;
            }
        }

        return null;
    }

    // "meta-llama/Llama-2-7b-chat-hf" → itself, "llama-2-7b-chat-hf", "llama-2-7b-chat", "llama-2-7b", with and without the org.
    private static IEnumerable<string> Candidates(string model)
    {
        var lower = model.ToLowerInvariant();
        yield return lower;
        var bare = lower.Contains('/', StringComparison.Ordinal) ? lower[(lower.LastIndexOf('/') + 1)..] : lower;
        yield return bare;
        // Variants of one architecture: "-Instruct", "-chat-hf", "-Instruct-FP8", … stripped one after another.
        string[] suffixes = ["-instruct", "-chat", "-it", "-hf", "-fp8", "-awq", "-gptq-int4", "-gptq-int8"];
        for (var stripped = true; stripped;)
        {
            stripped = false;
            foreach (var suffix in suffixes)
            {
                if (bare.EndsWith(suffix, StringComparison.Ordinal))
                {
                    bare = bare[..^suffix.Length];
                    lower = lower[..^suffix.Length];
                    yield return bare;
                    yield return lower;
                    stripped = true;
                }
            }
        }
    }

    private static Dictionary<string, ModelCatalogEntry> BuildIndex()
    {
        var index = new Dictionary<string, ModelCatalogEntry>(StringComparer.Ordinal);
        foreach (var entry in Entries)
        {
            var id = entry.HuggingFaceId.ToLowerInvariant();
            index.TryAdd(id, entry);
            index.TryAdd(id[(id.LastIndexOf('/') + 1)..], entry);
            foreach (var alias in entry.Aliases)
            {
                index.TryAdd(alias.ToLowerInvariant(), entry);
            }
        }

        return index;
    }

    private static ModelCatalogEntry Entry(string id, string[] aliases, double parameters, int layers, int kvHeads, int headDim, int context, bool moe = false) =>
        new(id, aliases, new ModelArchitecture(parameters, layers, kvHeads, headDim, context), moe);
}
