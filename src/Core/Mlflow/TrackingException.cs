namespace Research.Core.Mlflow;

/// <summary>
/// A tracking error a caller can act on: an invalid key or value (raised before anything is sent), a param
/// re-logged with another value, an MLflow validation error (with MLflow's own message), or a malformed store.
/// </summary>
public class TrackingException : Exception
{
    /// <summary>Creates the exception with a message that names the key, value, file or run involved.</summary>
    public TrackingException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// An error answer of an MLflow tracking server: HTTP status, MLflow's <c>error_code</c> (e.g.
/// <c>INVALID_PARAMETER_VALUE</c>, <c>RESOURCE_DOES_NOT_EXIST</c>) and its message, verbatim.
/// </summary>
public sealed class MlflowApiException : TrackingException
{
    /// <summary>Creates the exception from a server answer.</summary>
    public MlflowApiException(int httpStatus, string errorCode, string serverMessage, string endpoint)
        : base($"MLflow {endpoint} failed: HTTP {httpStatus} {errorCode}: {serverMessage}")
    {
        HttpStatus = httpStatus;
        ErrorCode = errorCode;
        ServerMessage = serverMessage;
        Endpoint = endpoint;
    }

    /// <summary>The HTTP status code (400, 404, 500, ...).</summary>
    public int HttpStatus { get; }

    /// <summary>MLflow's <c>error_code</c>, or <c>HTTP_&lt;status&gt;</c> when the body was not MLflow's JSON.</summary>
    public string ErrorCode { get; }

    /// <summary>MLflow's <c>message</c>, verbatim (or the start of a non-JSON body).</summary>
    public string ServerMessage { get; }

    /// <summary>The endpoint called, e.g. <c>runs/log-batch</c>.</summary>
    public string Endpoint { get; }

    /// <summary>True for answers worth retrying: 5xx and 429.</summary>
    public bool IsTransient => HttpStatus >= 500 || HttpStatus == 429;
}

/// <summary>The tracking server could not be reached (connection refused or reset, timeout, 5xx or 429 after retries).</summary>
public sealed class TrackingUnavailableException : TrackingException
{
    /// <summary>Creates the exception; the message names the server (without credentials) and the last error.</summary>
    public TrackingUnavailableException(string message, Exception? inner = null) : base(message, inner) { }
}
