using System.Globalization;
using System.Text.RegularExpressions;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Gateway.Http;

/// <summary>Checks route values before anything reaches a grain: node names are Kubernetes node names, GPU indices small integers.</summary>
public static partial class RouteValues
{
    public const int MaxGpuIndex = DeploymentLimits.MaxGpuIndex;

    /// <summary>A DNS subdomain (RFC 1123) of at most 253 characters, as Kubernetes requires of node names.</summary>
    public static string? NodeError(string node) =>
        node.Length is > 0 and <= 253 && NodeName().IsMatch(node)
            ? null
            : $"'{Truncate(node)}' is not a Kubernetes node name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters).";

    /// <summary>A DNS label (RFC 1123) of at most 63 characters, as Kubernetes requires of namespaces and InferenceService names.</summary>
    public static string? LabelError(string what, string value) =>
        value.Length is > 0 and <= 63 && Label().IsMatch(value)
            ? null
            : $"'{Truncate(value)}' is not a Kubernetes {what} (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters).";

    /// <summary>
    /// A deployment's name: a DNS label, or an LLMInferenceService's deployment (<c>{label}.llminferenceservice</c>),
    /// which the KServe watcher alone writes.
    /// </summary>
    public static string? DeploymentNameError(string name, bool forWrite = false)
    {
        if (DeploymentKeys.LlmInferenceServiceName(name) is not { } llm)
        {
            return LabelError("name", name);
        }

        return forWrite
            ? $"'{Truncate(name)}' is the deployment of an LLMInferenceService, which the KServe watcher makes from the object: change the LLMInferenceService instead."
            : LabelError("name", llm);
    }

    /// <summary>A caller's <c>namespace/name</c> when it is a deployment's key; null otherwise.</summary>
    public static string? AsDeploymentKey(string text) =>
        text.Split('/') is [var @namespace, var name] && LabelError("namespace", @namespace) is null && DeploymentNameError(name) is null
            ? text
            : null;

    public static string? IndexError(string index, out int value)
    {
        if (int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= MaxGpuIndex)
        {
            return null;
        }

        value = -1;
        return $"'{Truncate(index)}' is not a GPU index (an integer from 0 to {MaxGpuIndex}).";
    }

    /// <summary>A caller's value as error messages quote it: at most 64 characters.</summary>
    public static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex NodeName();
}
