namespace Registry.Cli.Loadgen;

/// <summary>Nearest-rank quantiles of sorted samples.</summary>
internal static class Quantile
{
    /// <summary>The smallest sample with at least <paramref name="p"/> of the samples at or below it; 0 when there are none.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
