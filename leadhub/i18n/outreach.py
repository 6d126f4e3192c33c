"""Spanish for outreach, contacts and the follow-up queue, and for the service messages they show.

Some service messages carry a value (a time, a list of choices, a number): `PATTERNS` turns
those into Spanish with a regular expression, and `translate_message` tries the catalog
first, then the patterns.
"""

from __future__ import annotations

import re

ES: dict[str, str] = {
    # Navigation and pages
    "Follow-up": "Seguimiento",
    "Follow-up queue": "Cola de seguimiento",
    # Outreach types, channels and statuses
    "Platform": "Plataforma",
    "Call": "Llamada",
    "Social": "Red social",
    "Messenger": "Mensajería",
    "Network": "Red",
    "Other channel": "Otro canal",
    "awaiting": "pendiente",
    "replied": "respondió",
    "positive": "positiva",
    "negative": "negativa",
    "bounced": "rebotado",
    "Awaiting": "Pendiente",
    "Replied": "Respondió",
    "Positive": "Positiva",
    "Negative": "Negativa",
    "Bounced": "Rebotado",
    "Connected": "Conectada",
    "Voicemail": "Buzón de voz",
    "No answer": "No contestó",
    "Busy": "Ocupado",
    "Wrong number": "Número equivocado",
    "Meeting": "Reunión",
    "call": "llamada",
    "meeting": "reunión",
    "e-mail": "correo",
    "outreach": "acción",
    # Outreach page
    "Log outreach": "Registrar acción",
    "All types": "Todos los tipos",
    "All channels": "Todos los canales",
    "From": "Desde",
    "To": "Hasta",
    "Channel": "Canal",
    "Outreach per day": "Acciones por día",
    "No outreach matches these filters.": "Ninguna acción coincide con estos filtros.",
    "actions": "acciones",
    "action": "acción",
    "Today": "Hoy",
    "Yesterday": "Ayer",
    "For": "Para",
    "Produced": "Generó",
    "more": "más",
    "New contact from this outreach": "Nuevo contacto a partir de esta acción",
    "Response saved.": "Respuesta guardada.",
    "Only the rep who logged it, or a manager, can change the response.":
        "Solo quien la registró, o un gerente, puede cambiar la respuesta.",
    # Log outreach form
    "Outreach logged.": "Acción registrada.",
    "Profile or job URL": "URL del perfil o del trabajo",
    "Profile URL": "URL del perfil",
    "Handle": "Usuario",
    "Call outcome": "Resultado de la llamada",
    "Duration (minutes)": "Duración (minutos)",
    "When it happened": "Cuándo ocurrió",
    "What did you send or say?": "¿Qué enviaste o dijiste?",
    "Logged by": "Registrado por",
    "Follow-up required": "Requiere seguimiento",
    "Follow up by": "Seguimiento antes del",
    "Follow-up subject": "Asunto del seguimiento",
    "Log": "Registrar",
    "This time happens twice that night: which one?": "Esta hora ocurre dos veces esa noche: ¿cuál?",
    "the first, before the clocks go back": "la primera, antes de retrasar los relojes",
    "the second, after the clocks go back": "la segunda, después de retrasar los relojes",
    "Times are in the team's time zone": "Las horas están en la zona horaria del equipo",
    "Enter minutes, e.g. 12 or 12:30.": "Escribe los minutos, p. ej. 12 o 12:30.",
    # Contacts
    "New contact": "Nuevo contacto",
    "Edit contact": "Editar contacto",
    "Edit": "Editar",
    "Contact saved.": "Contacto guardado.",
    "Contact created.": "Contacto creado.",
    "contacts": "contactos",
    "contact": "contacto",
    "Search name, e-mail, phone, title…": "Buscar nombre, correo, teléfono, cargo…",
    "No contacts match these filters.": "Ningún contacto coincide con estos filtros.",
    "Came from": "Llegó por",
    "Never": "Nunca",
    "Back to contacts": "Volver a contactos",
    "Attribution": "Atribución",
    "The outreach that brought this contact in.": "La acción que trajo a este contacto.",
    "Not attributed to any outreach yet.": "Aún no se ha atribuido a ninguna acción.",
    "Link outreach": "Vincular acción",
    "Link": "Vincular",
    "Choose the outreach that brought this contact in": "Elige la acción que trajo a este contacto",
    "Logged for this contact": "Registradas para este contacto",
    "All team outreach": "Todas las acciones del equipo",
    "Outreach linked.": "Acción vinculada.",
    "Touches": "Contactos realizados",
    "Touches in the last 30 days": "Contactos en los últimos 30 días",
    "Touches per 30 days": "Contactos cada 30 días",
    "Average gap": "Intervalo medio",
    "Total touches": "Contactos en total",
    "days": "días",
    "Log touch": "Registrar contacto",
    "Touch logged.": "Contacto registrado.",
    "Kind": "Tipo",
    "Note": "Nota",
    "What happened?": "¿Qué pasó?",
    "Leave the time empty for now.": "Deja la hora vacía para registrar ahora.",
    "Recent touches": "Contactos recientes",
    "Outreach timeline": "Historial de acciones",
    "No outreach yet.": "Todavía no hay acciones.",
    "No touches yet.": "Todavía no hay contactos.",
    "Lead": "Prospecto",
    "Contact": "Contacto",
    "Deal": "Oportunidad",
    # Follow-up queue
    "My queue": "Mi cola",
    "Everyone": "Todos",
    "Nobody is waiting for a follow-up.": "Nadie espera un seguimiento.",
    "Overdue by": "Retraso",
    "overdue": "de retraso",
    "Last touch": "Último contacto",
    "Open deals": "Oportunidades abiertas",
    "Snooze": "Posponer",
    "Snooze until": "Posponer hasta",
    "Tomorrow": "Mañana",
    "In 3 days": "En 3 días",
    "Next week": "La semana que viene",
    "Snoozed.": "Pospuesto.",
    "items": "elementos",
    "item": "elemento",
    "Record": "Registro",
    "Actions": "Acciones",
    "Priority": "Prioridad",
    "Follow-up intervals": "Intervalos de seguimiento",
    "Days without a touch before a record needs a follow-up.":
        "Días sin contacto antes de que un registro necesite seguimiento.",
    "Unrated": "Sin valoración",
    "Only admins can change the intervals.": "Solo los administradores pueden cambiar los intervalos.",
    "Intervals saved.": "Intervalos guardados.",
    # Service messages
    "A handle is letters, digits, _ . or -, like @ana_lopez.":
        "Un usuario tiene letras, números, _ . o -, como @ana_lopez.",
    "Choose a member of this team.": "Elige un miembro de este equipo.",
    "Choose a moment in the future.": "Elige un momento en el futuro.",
    "Choose a range whose end is on or after its start.":
        "Elige un intervalo cuyo final sea igual o posterior a su inicio.",
    "Choose awaiting, replied, positive, negative or bounced.":
        "Elige pendiente, respondió, positiva, negativa o rebotado.",
    "Choose call, meeting or e-mail.": "Elige llamada, reunión o correo.",
    "Choose connected, voicemail, no answer, busy or wrong number.":
        "Elige conectada, buzón de voz, no contestó, ocupado o número equivocado.",
    "Choose from the list.": "Elige de la lista.",
    "Choose lead or contact.": "Elige prospecto o contacto.",
    "Choose one contact or one lead.": "Elige un contacto o un prospecto.",
    "Choose the contact or lead this touch was with.": "Elige el contacto o prospecto de este contacto.",
    "Choose platform, e-mail, call, social or messenger.":
        "Elige plataforma, correo, llamada, red social o mensajería.",
    "Describe what you sent or said.": "Describe lo que enviaste o dijiste.",
    "Enter a date and time like 2026-03-29 14:30.": "Escribe una fecha y hora como 2026-03-29 14:30.",
    "Enter a full web address starting with https://.":
        "Escribe una dirección web completa que empiece por https://.",
    "Enter a phone number, e.g. +34 612 345 678.": "Escribe un teléfono, p. ej. +34 612 345 678.",
    "Enter a whole number of days.": "Escribe un número entero de días.",
    "Enter between 0 seconds and 24 hours.": "Escribe entre 0 segundos y 24 horas.",
    "Enter the date and time it happened.": "Escribe la fecha y la hora en que ocurrió.",
    "Enter the duration in seconds.": "Escribe la duración en segundos.",
    "Enter the e-mail address you wrote to.": "Escribe el correo al que escribiste.",
    "Enter the last name.": "Escribe los apellidos.",
    "Enter the number you called.": "Escribe el número al que llamaste.",
    "Enter the phone number or the handle.": "Escribe el teléfono o el usuario.",
    "Enter the profile URL.": "Escribe la URL del perfil.",
    "Give the platform, its profile or job URL, or both.":
        "Indica la plataforma, la URL del perfil o del trabajo, o ambas.",
    "No such account in this team.": "No existe esa cuenta en este equipo.",
    "No such lead in this team.": "No existe ese prospecto en este equipo.",
    "No such contact in this team.": "No existe ese contacto en este equipo.",
    "No such outreach in this team.": "No existe esa acción en este equipo.",
    "Only a connected call or a voicemail has a duration.":
        "Solo una llamada conectada o un buzón de voz tienen duración.",
    "Say in a few words what happened.": "Cuenta en pocas palabras qué pasó.",
    "The answer cannot come before the outreach.": "La respuesta no puede ser anterior a la acción.",
    "The follow-up cannot be due before the outreach happened.":
        "El seguimiento no puede vencer antes de la acción.",
    "This cannot be in the future.": "Esto no puede estar en el futuro.",
    "This field cannot be set here.": "Este campo no se puede cambiar aquí.",
    "This is not a valid phone number.": "Este no es un teléfono válido.",
    "Only managers and admins can log outreach for someone else.":
        "Solo los gerentes y administradores pueden registrar acciones de otra persona.",
    "Only managers and admins can see another rep's follow-ups.":
        "Solo los gerentes y administradores pueden ver los seguimientos de otro comercial.",
    "Only the rep who logged it, or a manager, can change this outreach.":
        "Solo quien la registró, o un gerente, puede cambiar esta acción.",
    "This contact is already attributed to another outreach.":
        "Este contacto ya está atribuido a otra acción.",
    "This record belongs to another rep.": "Este registro pertenece a otro comercial.",
    "Attribution is changed with “link outreach”, not by editing.":
        "La atribución se cambia con «Vincular acción», no editando.",
    "Follow-up from the queue.": "Seguimiento desde la cola.",
}

# Service messages with a value in them: (English regex, Spanish template).
PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}) does not exist in (?P<zone>[\w/+\-]+): "
                r"the clocks jump forward that night\. Use a time one hour later\.$"),
     "{time} no existe en {zone}: esa noche los relojes se adelantan. Usa una hora más tarde."),
    (re.compile(r"^Not used for an? (?P<type>[\w\-]+) outreach\.$"), "No se usa en una acción de tipo {type}."),
    (re.compile(r"^Choose the platform: (?P<list>.+)\.$"), "Elige la plataforma: {list}."),
    (re.compile(r"^Choose the network: (?P<list>.+)\.$"), "Elige la red: {list}."),
    (re.compile(r"^Choose the messenger: (?P<list>.+)\.$"), "Elige la mensajería: {list}."),
    (re.compile(r"^Use at most (?P<n>\d+) characters\.$"), "Usa como máximo {n} caracteres."),
    (re.compile(r"^Enter between (?P<a>\d+) and (?P<b>\d+) days\.$"), "Escribe entre {a} y {b} días."),
    (re.compile(r"^Choose at most (?P<n>\d+) days\.$"), "Elige como máximo {n} días."),
]
_TYPE_WORDS = {"platform": "plataforma", "e-mail": "correo", "call": "llamada", "social": "red social",
               "messenger": "mensajería"}


def translate_message(text: str, lang: str) -> str:
    """A UI text or service message in the user's language (catalog first, then patterns)."""
    from leadhub.i18n import ES as catalog  # the merged catalog (this module is part of it)

    if lang != "es":
        return text
    if text in catalog:
        return catalog[text]
    for pattern, template in PATTERNS:
        match = pattern.match(text)
        if match:
            values = match.groupdict()
            if "type" in values:
                values["type"] = _TYPE_WORDS.get(values["type"], values["type"])
            return template.format(**values)
    return text
