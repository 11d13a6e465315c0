using System.Text.Json.Nodes;

namespace GpuSharing.Cli.Input;

/// <summary>One deployment from a file: where it goes and the spec the gateway's PUT takes.</summary>
public sealed record Deployment(string Namespace, string Name, JsonObject Spec)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>As the what-if body lists it: the spec with its namespace and name.</summary>
    public JsonObject ForPlan()
    {
        var body = new JsonObject { ["namespace"] = Namespace, ["name"] = Name };
        foreach (var (field, value) in Spec)
        {
            body[field] = value?.DeepClone();
        }

        return body;
    }
}
