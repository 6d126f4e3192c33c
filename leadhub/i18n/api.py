"""Spanish for Settings → API access (API keys and webhooks)."""

ES: dict[str, str] = {
    "API access": "Acceso por API",
    "API keys": "Claves de API",
    "Integrations call the REST API at /api/v1 with Authorization: Bearer <key>.":
        "Las integraciones llaman a la API REST en /api/v1 con Authorization: Bearer <clave>.",
    "A key acts as one member of the team, with a role no higher than theirs.":
        "Cada clave actúa como un miembro del equipo, con un rol que no supera el suyo.",
    "API reference (OpenAPI)": "Referencia de la API (OpenAPI)",
    "Key": "Clave",
    "Acts as": "Actúa como",
    "Created": "Creada",
    "Last used": "Último uso",
    "Revoked": "Revocada",
    "Revoke": "Revocar",
    "Name, e.g. Zapier": "Nombre, p. ej. Zapier",
    "Create key": "Crear clave",
    "Copy the new API key now: it is not shown again.":
        "Copia ahora la nueva clave de API: no se volverá a mostrar.",
    "Copy the signing secret now: it is not shown again.":
        "Copia ahora el secreto de firma: no se volverá a mostrar.",
    "Copy": "Copiar",
    "Done": "Hecho",
    "Webhooks": "Webhooks",
    "LeadHub POSTs these events as JSON, signed with X-LeadHub-Signature.":
        "LeadHub envía estos eventos por POST en JSON, firmados con X-LeadHub-Signature.",
    "The signature is sha256=HMAC of the body with the webhook's secret.":
        "La firma es sha256=HMAC del cuerpo con el secreto del webhook.",
    "Address": "Dirección",
    "Events": "Eventos",
    "Secret": "Secreto",
    "Send test": "Enviar prueba",
    "New secret": "Nuevo secreto",
    "Add webhook": "Añadir webhook",
    "Description": "Descripción",
    # toasts and service messages
    "API key created.": "Clave de API creada.",
    "API key revoked.": "Clave de API revocada.",
    "Webhook added.": "Webhook añadido.",
    "Webhook removed.": "Webhook eliminado.",
    "The webhook answered": "El webhook respondió",
    "Name the key after the integration that uses it.": "Pon a la clave el nombre de la integración que la usa.",
    "Choose a member of this team.": "Elige un miembro de este equipo.",
    "Use an https:// address.": "Usa una dirección https://.",
    "Webhooks go to public addresses only, not to this server's network.":
        "Los webhooks solo van a direcciones públicas, no a la red de este servidor.",
    "This is not a valid web address.": "Esta no es una dirección web válida.",
}
