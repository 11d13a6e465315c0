using System.Text.Json.Nodes;
using GpuSharing.Cli.Input;

namespace GpuSharing.Cli.Commands;

/// <summary>
/// Where the gateway is and the token to show it, each from the first that says: the flag, the environment
/// (<c>GPUSHARE_SERVER</c>, <c>GPUSHARE_TOKEN</c>), the config file (<c>GPUSHARE_CONFIG</c>, else
/// <c>~/.config/gpushare/config.yaml</c>: <c>server:</c> and <c>token:</c>), the local default.
/// </summary>
public sealed record CliSettings(Uri Server, string? Token)
{
    public const string DefaultServer = "http://127.0.0.1:5080";

    public static CliSettings Resolve(string? serverFlag, string? tokenFlag, Func<string, string?> environment)
    {
        var file = ConfigFile(environment);
        var server = serverFlag ?? environment("GPUSHARE_SERVER") ?? file?["server"]?.ToString() ?? DefaultServer;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InputError($"the server must be an http(s) URL such as {DefaultServer}, not '{server}'");
        }

        return new CliSettings(uri, tokenFlag ?? environment("GPUSHARE_TOKEN") ?? file?["token"]?.ToString());
    }

    private static JsonNode? ConfigFile(Func<string, string?> environment)
    {
        var path = environment("GPUSHARE_CONFIG")
            ?? Path.Combine(environment("XDG_CONFIG_HOME") ?? Path.Combine(environment("HOME") ?? "~", ".config"), "gpushare", "config.yaml");
        if (!File.Exists(path))
        {
            return environment("GPUSHARE_CONFIG") is null ? null : throw new InputError($"GPUSHARE_CONFIG names {path}, which does not exist");
        }

        return YamlJson.Documents(File.ReadAllText(path), path).FirstOrDefault() as JsonObject
            ?? throw new InputError($"{path}: expected a mapping with server: and token:");
    }
}
