using System.Text.Json.Nodes;

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>A request the fake refuses, answered as a Kubernetes Status object.</summary>
public sealed class FakeApiException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject ToStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Message,
        ["reason"] = Reason,
        ["code"] = Code,
    };
}
