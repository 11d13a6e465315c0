using System.Globalization;
using GpuSharing.Grains.Interfaces.Models;

namespace GpuSharing.Silo.Serving;

/// <summary>
/// The command line and environment of one replica's <c>vllm serve</c>: the binding's vLLM arguments (its model as
/// the positional argument vLLM expects), where to listen, the name the gateway routes by, and the binding's
/// environment (the visible devices), and priority scheduling, so that the gateway's class (sent as vLLM's
/// <c>priority</c>) orders and preempts its sequences. A plain argument list: nothing passes through a shell.
/// </summary>
public static class VllmCommand
{
    public static IReadOnlyList<string> Arguments(ReplicaBinding binding, string servedModel, string host, int port)
    {
        var given = binding.VllmArguments.ToList();
        var at = given.IndexOf(VllmFlags.Model);
        if (at < 0 || at + 1 >= given.Count)
        {
            throw new ArgumentException($"The binding of {servedModel} names no {VllmFlags.Model}.", nameof(binding));
        }

        var model = given[at + 1];
        given.RemoveRange(at, 2);
        return
        [
            "serve",
            model,
            .. given,
            "--host", host,
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--scheduling-policy", "priority",
            "--served-model-name", servedModel,
        ];
    }
}
