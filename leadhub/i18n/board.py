"""Spanish for the status board."""

ES: dict[str, str] = {
    "Move to…": "Mover a…",
    "Move up": "Subir",
    "Move down": "Bajar",
    "Show earlier cards": "Ver tarjetas anteriores",
    "Load more": "Cargar más",
    "Drop a lead here to convert it.": "Suelta aquí un prospecto para convertirlo.",
    "No leads here.": "No hay prospectos aquí.",
    "All campaigns": "Todas las campañas",
    "Convert this lead?": "¿Convertir este prospecto?",
    "Convert": "Convertir",
    "Converting creates the contact, account and deal from this lead.":
        "Al convertirlo se crean el contacto, la cuenta y la oportunidad a partir de este prospecto.",
    "Lead conversion is coming soon: until then the lead stays where it was.":
        "La conversión llegará pronto: hasta entonces el prospecto se queda donde estaba.",
    "{name} moved to {status}.": "{name} movido a {status}.",
    "A teammate changed this lead first; it is now in {status}. Your move was not applied.":
        "Un compañero cambió este prospecto antes; ahora está en {status}. Tu movimiento no se "
        "aplicó.",
    "A converted lead cannot be moved out of Converted: its contact and deal already exist.":
        "Un prospecto convertido no puede salir de Convertido: su contacto y su oportunidad ya "
        "existen.",
    "This lead was deleted by a teammate.": "Un compañero eliminó este prospecto.",
    "The column changed while you moved; please try again.":
        "La columna cambió mientras movías la tarjeta; inténtalo de nuevo.",
    "Unknown column.": "Columna desconocida.",
}
