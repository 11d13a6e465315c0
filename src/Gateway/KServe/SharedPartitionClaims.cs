using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;

namespace GpuSharing.Gateway.KServe;

/// <summary>
/// The DRA ResourceClaims through which shared replicas of one partition use it together: one claim per partition and
/// namespace (claims are namespaced), selecting the partition by its PCI address on AMD's DRA driver, referenced by
/// every predictor (or LLMInferenceService template) placed there. A claim no object of its namespace references any
/// more is deleted.
/// </summary>
public sealed partial class SharedPartitionClaims(IKubernetes kubernetes, InferenceServiceCache cache, IOptions<KServeOptions> options, TimeProvider time, ILogger<SharedPartitionClaims> logger)
{
    public const string Group = "resource.k8s.io";
    public const string Version = "v1";
    public const string Plural = "resourceclaims";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "gpu-sharing";

    /// <summary>A claim is not collected while younger than this: a predictor may be about to reference it.</summary>
    private static readonly TimeSpan GracePeriod = TimeSpan.FromMinutes(1);

    // Claims this replica made or found, so that each deployment of a partition does not ask again.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    public static string ClaimName(string node, int gpu, int partition)
    {
        var name = $"gpu-sharing-{node}-{gpu}-{partition}";
        if (name.Length <= 253)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];
        return $"gpu-sharing-{hash}-{gpu}-{partition}";
    }

    public async Task EnsureAsync(string @namespace, string name, string node, string? bdf, CancellationToken cancellationToken)
    {
        if (_known.ContainsKey($"{@namespace}/{name}"))
        {
            return;
        }

        var selector = bdf is null
            ? "device.attributes[\"gpu.amd.com\"].type == \"amdgpu-partition\""
            : $"device.attributes[\"gpu.amd.com\"].type == \"amdgpu-partition\" && device.attributes[\"gpu.amd.com\"].pciAddr == \"{bdf}\"";
        var claim = new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}",
            ["kind"] = "ResourceClaim",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = @namespace,
                ["labels"] = node.Length <= 63
                    ? new JsonObject { [ManagedByLabel] = ManagedByValue, ["gpu-sharing.amd.com/node"] = node }
                    : new JsonObject { [ManagedByLabel] = ManagedByValue },
            },
            ["spec"] = new JsonObject
            {
                ["devices"] = new JsonObject
                {
                    ["requests"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "partition",
                        ["exactly"] = new JsonObject
                        {
                            ["deviceClassName"] = options.Value.DeviceClass,
                            ["selectors"] = new JsonArray(new JsonObject { ["cel"] = new JsonObject { ["expression"] = selector } }),
                        },
                    }),
                },
            },
        };
        try
        {
            await kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync(claim, Group, Version, @namespace, Plural, cancellationToken: cancellationToken);
            LogCreated(logger, @namespace, name);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // it exists: another deployment of this partition made it
        }

        _known[$"{@namespace}/{name}"] = 0;
    }

    /// <summary>Deletes the namespace's claims that no InferenceService references any more.</summary>
    public async Task CollectAsync(string @namespace, CancellationToken cancellationToken)
    {
        if (!string.Equals(options.Value.SharedBinding, "dra", StringComparison.Ordinal))
        {
            return;
        }

        var referenced = cache.InNamespace(@namespace)
            .SelectMany(s => (s.Spec?[s.ResourceKind.IsLlm ? "template" : "predictor"]?["resourceClaims"] as JsonArray) ?? [])
            .Select(r => r?["resourceClaimName"]?.GetValue<string>())
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var list = await kubernetes.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, @namespace, Plural, labelSelector: $"{ManagedByLabel}={ManagedByValue}", cancellationToken: cancellationToken);
        var items = ((JsonElement)list).TryGetProperty("items", out var array) ? array.EnumerateArray().ToList() : [];
        foreach (var item in items)
        {
            var metadata = item.GetProperty("metadata");
            var name = metadata.GetProperty("name").GetString()!;
            var created = metadata.TryGetProperty("creationTimestamp", out var stamp) && stamp.TryGetDateTimeOffset(out var at) ? at : DateTimeOffset.MinValue;
            if (referenced.Contains(name) || time.GetUtcNow() - created < GracePeriod)
            {
                continue;
            }

            try
            {
                _known.TryRemove($"{@namespace}/{name}", out _);
                await kubernetes.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, @namespace, Plural, name, cancellationToken: cancellationToken);
                LogDeleted(logger, @namespace, name);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // already gone
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the shared partition claim {Namespace}/{Claim}")]
    private static partial void LogCreated(ILogger logger, string @namespace, string claim);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the unused shared partition claim {Namespace}/{Claim}")]
    private static partial void LogDeleted(ILogger logger, string @namespace, string claim);
}
