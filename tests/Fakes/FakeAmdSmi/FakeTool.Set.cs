using System.Text;

namespace GpuSharing.Fakes.AmdSmi;

/// <summary><c>amd-smi set</c> of compute and memory partitions, and the driver reload, with their faults.</summary>
internal sealed partial class FakeTool
{
    private int SetCompute(string[] args)
    {
        var mode = (Value(args, "--compute-partition", "-C", "--accelerator-partition") ?? string.Empty).ToUpperInvariant();
        var selector = Value(args, "--gpu", "-g") ?? "all";
        if (!State.Root)
        {
            return Fail("NO_PERM", "set-compute", args);
        }

        if (FakeFamily.Partitions(mode) == 1 && mode != "SPX")
        {
            stderr.WriteLine($"amd-smi set: error: argument -C/--compute-partition: invalid choice: '{mode}' (choose from 'SPX', 'DPX', 'QPX', 'CPX')");
            return 2;
        }

        var targets = Targets(selector);
        if (targets.Count == 0)
        {
            stderr.WriteLine($"amd-smi set: error: argument -g/--gpu: invalid choice: {selector}");
            return 2;
        }

        var output = new StringBuilder();
        foreach (var (id, gpu) in targets)
        {
            var device = State.Gpus[gpu];
            if (State.IsGuest)
            {
                output.AppendLine($"GPU: {id}").AppendLine($"    ACCELERATOR_PARTITION: [AMDSMI_STATUS_NOT_SUPPORTED] Unable to set accelerator partition to {mode}");
                continue;
            }

            if (State.Processes.Any(p => p.Gpu == gpu))
            {
                stdout.Write(output.ToString());
                return Fail("BUSY", "set-compute", args, mode, id, device.Bdf(0));
            }

            if (!FakeFamily.IsValid(device.Family, mode, State.Memory))
            {
                stdout.Write(output.ToString());
                return Fail("SETTING_UNAVAILABLE", "set-compute", args, mode, id, device.Bdf(0));
            }

            device.Compute = mode;
            output.AppendLine($"GPU: {id}").AppendLine($"    ACCELERATOR_PARTITION: Successfully set accelerator partition to {mode} (profile #{FakeFamily.ProfileIndex(device.Family, mode)})").AppendLine();
        }

        store.Save();
        stdout.Write(output.ToString());
        return 0;
    }

    private int SetMemory(string[] args)
    {
        var mode = (Value(args, "--memory-partition", "-M") ?? string.Empty).ToUpperInvariant();
        if (!State.Root)
        {
            return Fail("NO_PERM", "set-memory", args);
        }

        stdout.WriteLine(State.SeparateReload
            ? """

                            ******WARNING******

                            After changing memory (NPS) partition modes, users MUST restart
                            (reload) the AMD GPU driver. This command NO LONGER AUTOMATICALLY
                            reloads the driver, see `amd-smi reset -h` and
                            `sudo amd-smi reset -r` for more information.

                            ******REMINDER******
                            In order to reload the AMD GPU driver, users MUST quit all GPU
                            workloads across all devices.

              """
            : """
              ****** WARNING ******

              Setting Dynamic Memory (NPS) partition modes require users to quit all GPU workloads.
              AMD SMI will then attempt to change memory (NPS) partition mode.
              Upon a successful set, AMD SMI will then initiate an action to restart AMD GPU driver.
              This action will change all GPU's in the hive to the requested memory (NPS) partition mode.

              Please use this utility with caution.

              """);
        stdout.Write("Do you accept these terms? [Y/N] ");
        stdout.Flush();
        var answer = stdin.ReadLine()?.Trim();
        if (!string.Equals(answer, "Y", StringComparison.OrdinalIgnoreCase))
        {
            stdout.WriteLine();
            stdout.WriteLine("Confirmation not given. Exiting without setting memory partition.");
            return Failure;
        }

        stdout.WriteLine(answer);
        stdout.WriteLine();
        if (State.Processes.Count > 0)
        {
            return Fail("BUSY", "set-memory", args);
        }

        var output = new StringBuilder();
        var ok = true;
        for (var gpu = 0; gpu < State.Gpus.Count; gpu++)
        {
            output.AppendLine($"GPU: {gpu}");
            if (State.IsGuest || !FakeFamily.MemoryCaps(State.Gpus[gpu].Family).Contains(mode))
            {
                output.AppendLine($"    MEMORY_PARTITION: [AMDSMI_STATUS_NOT_SUPPORTED] Unable to set memory partition to {mode}").AppendLine();
                ok = false;
                continue;
            }

            output.AppendLine($"    MEMORY_PARTITION: Successfully set memory partition to {mode}").AppendLine();
        }

        if (ok)
        {
            if (State.SeparateReload)
            {
                State.PendingMemory = mode;
            }
            else
            {
                ApplyMemory(mode);
            }

            store.Save();
        }

        stdout.Write(output.ToString());
        return 0;
    }

    private int Reload()
    {
        stdout.Write("Do you accept these terms? [Y/N] ");
        if (!string.Equals(stdin.ReadLine()?.Trim(), "Y", StringComparison.OrdinalIgnoreCase))
        {
            stdout.WriteLine("Confirmation not given. Exiting without reloading the driver.");
            return Failure;
        }

        if (!State.Root)
        {
            return Fail("NO_PERM", "reset", ["reset", "-r"]);
        }

        if (State.Processes.Count > 0)
        {
            return Fail("AMDGPU_RESTART_ERR", "reset", ["reset", "-r"]);
        }

        if (State.PendingMemory is { } pending)
        {
            ApplyMemory(pending);
            State.PendingMemory = null;
        }

        store.Save();
        stdout.WriteLine();
        stdout.WriteLine("RESET: Successfully reloaded the AMD GPU driver");
        return 0;
    }

    private void ApplyMemory(string mode)
    {
        State.Memory = mode;
        foreach (var gpu in State.Gpus)
        {
            gpu.Compute = FakeFamily.AfterMemoryChange(gpu.Family, gpu.Compute, mode);
        }
    }

    // --gpu takes a logical id, a BDF or "all"; a set applies to the physical GPU.
    private List<(int Id, int Gpu)> Targets(string selector)
    {
        var primaries = State.LogicalDevices().Where(d => d.Xcp == 0).Select(d => (d.Id, d.Gpu)).ToList();
        if (selector == "all")
        {
            return primaries;
        }

        var match = State.LogicalDevices().FirstOrDefault(d => d.Device.Bdf(d.Xcp) == selector || $"{d.Id}" == selector);
        return match.Device is null ? [] : [(match.Id, match.Gpu)];
    }
}
