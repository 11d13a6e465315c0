namespace GpuSharing.Cli;

/// <summary>What <c>gpushare</c>'s exit code means; scripts can branch on it (README, "CLI").</summary>
public static class ExitCodes
{
    /// <summary>Done, and verified where the command waits for it (a repartition ended Succeeded).</summary>
    public const int Success = 0;

    /// <summary>The operation failed: a repartition rolled back or left the GPU Degraded, a server error (5xx other than 503), a reply broken off.</summary>
    public const int Failed = 1;

    /// <summary>The caller's mistake: bad arguments, an unreadable or invalid file, or the gateway refused the input (400, 413, 415, 422).</summary>
    public const int InvalidInput = 2;

    /// <summary>No such GPU, node or deployment (404).</summary>
    public const int NotFound = 3;

    /// <summary>A token is needed or was refused (401, 403): set GPUSHARE_TOKEN or --token.</summary>
    public const int Unauthorized = 4;

    /// <summary>Refused for now, worth retrying: busy or conflicting (409), too many requests (429), unavailable (503).</summary>
    public const int Busy = 5;

    /// <summary>The gateway could not be reached (connection refused, name not found, timeout).</summary>
    public const int Unreachable = 6;
}
