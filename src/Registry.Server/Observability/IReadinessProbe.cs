namespace Registry.Server.Observability;

/// <summary>Answers <c>/readyz</c>: the backend says whether it has recovered, its log is healthy and a standby is caught up.</summary>
public interface IReadinessProbe
{
    /// <summary>The current readiness; must be cheap and thread-safe.</summary>
    ReadinessReport Check();
}
